#include "plate/jurisdiction_table.h"

#include <array>

namespace interdict::plate::detail {
namespace {

using C = Country;

// Append-only: the index of a row is its persisted id.
constexpr std::array kRows = {
    JurisdictionRow{"ZZ", "ZZ", "Unknown", C::kUnknown, ""},
    // United States: the 50 states and DC, by USPS code (= NCIC code).
    JurisdictionRow{"US-AL", "AL", "Alabama", C::kUS, ""},
    JurisdictionRow{"US-AK", "AK", "Alaska", C::kUS, ""},
    JurisdictionRow{"US-AZ", "AZ", "Arizona", C::kUS, ""},
    JurisdictionRow{"US-AR", "AR", "Arkansas", C::kUS, ""},
    JurisdictionRow{"US-CA", "CA", "California", C::kUS, ""},
    JurisdictionRow{"US-CO", "CO", "Colorado", C::kUS, ""},
    JurisdictionRow{"US-CT", "CT", "Connecticut", C::kUS, ""},
    JurisdictionRow{"US-DE", "DE", "Delaware", C::kUS, ""},
    JurisdictionRow{"US-DC", "DC", "District of Columbia", C::kUS, "Washington DC|Washington D.C."},
    JurisdictionRow{"US-FL", "FL", "Florida", C::kUS, ""},
    JurisdictionRow{"US-GA", "GA", "Georgia", C::kUS, ""},
    JurisdictionRow{"US-HI", "HI", "Hawaii", C::kUS, "Hawai'i"},
    JurisdictionRow{"US-ID", "ID", "Idaho", C::kUS, ""},
    JurisdictionRow{"US-IL", "IL", "Illinois", C::kUS, ""},
    JurisdictionRow{"US-IN", "IN", "Indiana", C::kUS, ""},
    JurisdictionRow{"US-IA", "IA", "Iowa", C::kUS, ""},
    JurisdictionRow{"US-KS", "KS", "Kansas", C::kUS, ""},
    JurisdictionRow{"US-KY", "KY", "Kentucky", C::kUS, ""},
    JurisdictionRow{"US-LA", "LA", "Louisiana", C::kUS, ""},
    JurisdictionRow{"US-ME", "ME", "Maine", C::kUS, ""},
    JurisdictionRow{"US-MD", "MD", "Maryland", C::kUS, ""},
    JurisdictionRow{"US-MA", "MA", "Massachusetts", C::kUS, ""},
    JurisdictionRow{"US-MI", "MI", "Michigan", C::kUS, ""},
    JurisdictionRow{"US-MN", "MN", "Minnesota", C::kUS, ""},
    JurisdictionRow{"US-MS", "MS", "Mississippi", C::kUS, ""},
    JurisdictionRow{"US-MO", "MO", "Missouri", C::kUS, ""},
    JurisdictionRow{"US-MT", "MT", "Montana", C::kUS, ""},
    JurisdictionRow{"US-NE", "NE", "Nebraska", C::kUS, ""},
    JurisdictionRow{"US-NV", "NV", "Nevada", C::kUS, ""},
    JurisdictionRow{"US-NH", "NH", "New Hampshire", C::kUS, ""},
    JurisdictionRow{"US-NJ", "NJ", "New Jersey", C::kUS, ""},
    JurisdictionRow{"US-NM", "NM", "New Mexico", C::kUS, ""},
    JurisdictionRow{"US-NY", "NY", "New York", C::kUS, ""},
    JurisdictionRow{"US-NC", "NC", "North Carolina", C::kUS, ""},
    JurisdictionRow{"US-ND", "ND", "North Dakota", C::kUS, ""},
    JurisdictionRow{"US-OH", "OH", "Ohio", C::kUS, ""},
    JurisdictionRow{"US-OK", "OK", "Oklahoma", C::kUS, ""},
    JurisdictionRow{"US-OR", "OR", "Oregon", C::kUS, ""},
    JurisdictionRow{"US-PA", "PA", "Pennsylvania", C::kUS, ""},
    JurisdictionRow{"US-RI", "RI", "Rhode Island", C::kUS, ""},
    JurisdictionRow{"US-SC", "SC", "South Carolina", C::kUS, ""},
    JurisdictionRow{"US-SD", "SD", "South Dakota", C::kUS, ""},
    JurisdictionRow{"US-TN", "TN", "Tennessee", C::kUS, ""},
    JurisdictionRow{"US-TX", "TX", "Texas", C::kUS, ""},
    JurisdictionRow{"US-UT", "UT", "Utah", C::kUS, ""},
    JurisdictionRow{"US-VT", "VT", "Vermont", C::kUS, ""},
    JurisdictionRow{"US-VA", "VA", "Virginia", C::kUS, ""},
    JurisdictionRow{"US-WA", "WA", "Washington", C::kUS, "Washington State"},
    JurisdictionRow{"US-WV", "WV", "West Virginia", C::kUS, ""},
    JurisdictionRow{"US-WI", "WI", "Wisconsin", C::kUS, ""},
    JurisdictionRow{"US-WY", "WY", "Wyoming", C::kUS, ""},
    // US territories.
    JurisdictionRow{"US-AS", "AS", "American Samoa", C::kUS, ""},
    JurisdictionRow{"US-GU", "GU", "Guam", C::kUS, ""},
    JurisdictionRow{"US-MP", "MP", "Northern Mariana Islands", C::kUS, ""},
    JurisdictionRow{"US-PR", "PR", "Puerto Rico", C::kUS, ""},
    JurisdictionRow{"US-VI", "VI", "U.S. Virgin Islands", C::kUS,
                    "US Virgin Islands|Virgin Islands"},
    JurisdictionRow{"US-UM", "UM", "U.S. Minor Outlying Islands", C::kUS, ""},
    // Canada: Canada Post codes; NF and PQ are the older codes NCIC and many
    // vendor databases still use.
    JurisdictionRow{"CA-AB", "AB", "Alberta", C::kCanada, ""},
    JurisdictionRow{"CA-BC", "BC", "British Columbia", C::kCanada, ""},
    JurisdictionRow{"CA-MB", "MB", "Manitoba", C::kCanada, ""},
    JurisdictionRow{"CA-NB", "NB", "New Brunswick", C::kCanada, ""},
    JurisdictionRow{"CA-NL", "NL", "Newfoundland and Labrador", C::kCanada, "NF|Newfoundland"},
    JurisdictionRow{"CA-NS", "NS", "Nova Scotia", C::kCanada, ""},
    JurisdictionRow{"CA-NT", "NT", "Northwest Territories", C::kCanada, ""},
    JurisdictionRow{"CA-NU", "NU", "Nunavut", C::kCanada, ""},
    JurisdictionRow{"CA-ON", "ON", "Ontario", C::kCanada, ""},
    JurisdictionRow{"CA-PE", "PE", "Prince Edward Island", C::kCanada, ""},
    JurisdictionRow{"CA-QC", "QC", "Quebec", C::kCanada, "PQ|Québec"},
    JurisdictionRow{"CA-SK", "SK", "Saskatchewan", C::kCanada, ""},
    JurisdictionRow{"CA-YT", "YT", "Yukon", C::kCanada, "Yukon Territory"},
    // Mexico: ISO 3166-2 three-letter codes.
    JurisdictionRow{"MX-AGU", "AGU", "Aguascalientes", C::kMexico, "AGS"},
    JurisdictionRow{"MX-BCN", "BCN", "Baja California", C::kMexico, ""},
    JurisdictionRow{"MX-BCS", "BCS", "Baja California Sur", C::kMexico, ""},
    JurisdictionRow{"MX-CAM", "CAM", "Campeche", C::kMexico, ""},
    JurisdictionRow{"MX-CHP", "CHP", "Chiapas", C::kMexico, ""},
    JurisdictionRow{"MX-CHH", "CHH", "Chihuahua", C::kMexico, ""},
    JurisdictionRow{"MX-COA", "COA", "Coahuila", C::kMexico, "Coahuila de Zaragoza"},
    JurisdictionRow{"MX-COL", "COL", "Colima", C::kMexico, ""},
    JurisdictionRow{"MX-CMX", "CMX", "Ciudad de México", C::kMexico,
                    "CDMX|Mexico City|Distrito Federal"},
    JurisdictionRow{"MX-DUR", "DUR", "Durango", C::kMexico, ""},
    JurisdictionRow{"MX-GUA", "GUA", "Guanajuato", C::kMexico, ""},
    JurisdictionRow{"MX-GRO", "GRO", "Guerrero", C::kMexico, ""},
    JurisdictionRow{"MX-HID", "HID", "Hidalgo", C::kMexico, ""},
    JurisdictionRow{"MX-JAL", "JAL", "Jalisco", C::kMexico, ""},
    JurisdictionRow{"MX-MEX", "MEX", "Estado de México", C::kMexico, "EDOMEX|State of Mexico"},
    JurisdictionRow{"MX-MIC", "MIC", "Michoacán", C::kMexico, "Michoacan de Ocampo"},
    JurisdictionRow{"MX-MOR", "MOR", "Morelos", C::kMexico, ""},
    JurisdictionRow{"MX-NAY", "NAY", "Nayarit", C::kMexico, ""},
    JurisdictionRow{"MX-NLE", "NLE", "Nuevo León", C::kMexico, ""},
    JurisdictionRow{"MX-OAX", "OAX", "Oaxaca", C::kMexico, ""},
    JurisdictionRow{"MX-PUE", "PUE", "Puebla", C::kMexico, ""},
    JurisdictionRow{"MX-QUE", "QUE", "Querétaro", C::kMexico, ""},
    JurisdictionRow{"MX-ROO", "ROO", "Quintana Roo", C::kMexico, ""},
    JurisdictionRow{"MX-SLP", "SLP", "San Luis Potosí", C::kMexico, ""},
    JurisdictionRow{"MX-SIN", "SIN", "Sinaloa", C::kMexico, ""},
    JurisdictionRow{"MX-SON", "SON", "Sonora", C::kMexico, ""},
    JurisdictionRow{"MX-TAB", "TAB", "Tabasco", C::kMexico, ""},
    JurisdictionRow{"MX-TAM", "TAM", "Tamaulipas", C::kMexico, ""},
    JurisdictionRow{"MX-TLA", "TLA", "Tlaxcala", C::kMexico, ""},
    JurisdictionRow{"MX-VER", "VER", "Veracruz", C::kMexico, "Veracruz de Ignacio de la Llave"},
    JurisdictionRow{"MX-YUC", "YUC", "Yucatán", C::kMexico, ""},
    JurisdictionRow{"MX-ZAC", "ZAC", "Zacatecas", C::kMexico, ""},
    // Mexico as a whole: Mexican plates use one national series.
    JurisdictionRow{"MX", "MX", "Mexico", C::kMexico, ""},
};

static_assert(kRows.size() <= 255, "ids must fit in one byte");

}  // namespace

std::span<const JurisdictionRow> JurisdictionTable() {
  return kRows;
}

}  // namespace interdict::plate::detail

// The stable machine codes of refusals a client must act on: a Status carries
// one (Status::WithReason) and the HTTP error body's "code" is it. The console
// and integrations branch on these, never on a message's words, so a code is
// never renamed. docs/openapi.yaml lists every code the server sends
// (components.schemas.ErrorCode); a test keeps the two in step.
#pragma once

#include <string_view>

namespace interdict::codes {

// Search and approvals (policy/purpose).
inline constexpr std::string_view kApprovalRequired = "approval_required";
inline constexpr std::string_view kApprovalInsufficient = "approval_insufficient";
inline constexpr std::string_view kPurposeProhibited = "purpose_prohibited";
// Another agency's data without an agreement that lets the caller see it.
inline constexpr std::string_view kAgreementMissing = "agreement_missing";
// Two-person rules: the second person must be someone else.
inline constexpr std::string_view kSecondPersonRequired = "second_person_required";
// Hits: an action taken before the hit was checked and confirmed.
inline constexpr std::string_view kConfirmationRequired = "confirmation_required";
// Sign-in.
inline constexpr std::string_view kAccountLocked = "account_locked";
inline constexpr std::string_view kReviewOverdue = "review_overdue";
// Single sign-on: the provider did not assert a second factor; send the
// person's Interdict TOTP code with the ticket.
inline constexpr std::string_view kMfaRequired = "mfa_required";
// Single sign-on: the agency's identity provider could not be reached or
// answered nonsense (502).
inline constexpr std::string_view kProviderUnavailable = "provider_unavailable";

inline constexpr std::string_view kAll[] = {
    kApprovalRequired,     kApprovalInsufficient, kPurposeProhibited, kAgreementMissing,
    kSecondPersonRequired, kConfirmationRequired, kAccountLocked,     kReviewOverdue,
    kMfaRequired,          kProviderUnavailable,
};

}  // namespace interdict::codes

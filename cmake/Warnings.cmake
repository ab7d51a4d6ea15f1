# Warnings that have paid for themselves in storage and network code. Third-party
# headers are included as SYSTEM so their warnings do not reach us.
set(INTERDICT_WARNINGS
  -Wall -Wextra -Wpedantic
  -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wold-style-cast
  -Wcast-align -Wconversion -Wsign-conversion -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough -Wmisleading-indentation
  )
# GCC-only checks; the fuzz build compiles with clang (libFuzzer).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND INTERDICT_WARNINGS -Wduplicated-cond -Wduplicated-branches -Wlogical-op -Wuseless-cast)
else()
  # RapidJSON 1.1's member iterators declare operator== in the C++17 way, which
  # clang's C++20 mode calls ambiguous at every `it == MemberEnd()`.
  list(APPEND INTERDICT_WARNINGS -Wno-ambiguous-reversed-operator)
  # Lock discipline (base/mutex.h): fields GUARDED_BY a Mutex, functions that
  # REQUIRE or EXCLUDE one, checked at compile time.
  list(APPEND INTERDICT_WARNINGS -Wthread-safety)
endif()
# -Wnull-dereference is left out: at -O2 GCC 12 reports it inside Asio and the
# standard library, where the pointer is known non-null.

if(INTERDICT_WERROR)
  list(APPEND INTERDICT_WARNINGS -Werror)
endif()

# interdict_component(NAME SOURCES... DEPS ...) declares one component library.
function(interdict_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(interdict_${name} STATIC ${ARG_SOURCES})
  target_include_directories(interdict_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src ${CMAKE_BINARY_DIR}/generated)
  target_compile_options(interdict_${name} PRIVATE ${INTERDICT_WARNINGS})
  target_link_libraries(interdict_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

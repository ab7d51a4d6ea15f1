# Compiler cache, linker and sanitizer settings shared by every target.

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

# mold links several times faster than ld.bfd; GCC 12 accepts -fuse-ld=mold.
find_program(MOLD_PROGRAM mold)
if(MOLD_PROGRAM AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  add_link_options(-fuse-ld=mold)
endif()

if(INTERDICT_FUZZ)
  # Coverage instrumentation for libFuzzer everywhere; the fuzz targets link
  # the fuzzer's main (fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all
                      -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/cmake/fuzz-ignorelist.txt)
  add_link_options(-fsanitize=address,undefined)
elseif(INTERDICT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# Debug builds stay usable for tests: -O1 keeps sanitizer runs fast enough.
set(CMAKE_CXX_FLAGS_DEBUG "-O1 -g")
# Release builds carry Debian's hardening (dpkg-buildflags with hardening=+all):
# checked buffer functions, stack protector and clash protection, control-flow
# protection, and a read-only relocation table bound at start (docs/packaging.md).
# Not in sanitizer or fuzz builds, whose run-time checks these would disturb.
set(CMAKE_CXX_FLAGS_RELEASE
    "-O2 -g1 -DNDEBUG -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection \
-fcf-protection -Wformat -Werror=format-security")
add_link_options($<$<CONFIG:Release>:LINKER:-z,relro,-z,now>)

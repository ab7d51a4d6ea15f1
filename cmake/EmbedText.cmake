# Writes OUTPUT, a C++ source defining `extern const char NAME[]` in NAMESPACE
# with the text of INPUT (a raw string literal), so data files ship inside the
# binary. Run as `cmake -DINPUT=… -DOUTPUT=… -DNAME=… -DNAMESPACE=… -P EmbedText.cmake`.
file(READ "${INPUT}" text)
string(FIND "${text}" ")embedded\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )embedded\"")
endif()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/EmbedText.cmake: do not edit.\n"
  "namespace ${NAMESPACE} {\nextern const char ${NAME}[];\n"
  "const char ${NAME}[] = R\"embedded(${text})embedded\";\n}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")

# Writes OUT, a C++ source that holds each file of DIR named in FILES (a
# comma-separated list) as a
# std::string_view in namespace fovea::status_assets, named after the file
# with '.' as '_' (status.js -> status_js). Run by app/CMakeLists.txt at
# build time, so the binary serves the files as they were built, and
# nothing is read or fetched at run time.
string(REPLACE "," ";" FILES "${FILES}")
set(text "// Generated from ${DIR} by cmake/embed_assets.cmake: do not edit.\n")
string(APPEND text "#include <string_view>\n\nnamespace fovea::status_assets {\n\n")
foreach(name IN LISTS FILES)
  file(READ "${DIR}/${name}" content)
  string(FIND "${content}" ")fovea_asset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name} holds the raw string's delimiter")
  endif()
  string(REPLACE "." "_" symbol "${name}")
  string(APPEND text "extern const std::string_view ${symbol};\n")
  string(APPEND text "const std::string_view ${symbol} = R\"fovea_asset(${content})fovea_asset\";\n\n")
endforeach()
string(APPEND text "} // namespace fovea::status_assets\n")
file(WRITE "${OUT}.new" "${text}")
file(COPY_FILE "${OUT}.new" "${OUT}" ONLY_IF_DIFFERENT)

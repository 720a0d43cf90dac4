# Record import and export: readers, encodings, schemas, validation, masking, writers.
# Pure (no SQLite, no CLI); included by storage/CMakeLists.txt. iconv comes with glibc.
set(BATON_RECORDS_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/byte_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cn_ids.cpp
  ${CMAKE_CURRENT_LIST_DIR}/csv_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/encoding.cpp
  ${CMAKE_CURRENT_LIST_DIR}/import_check.cpp
  ${CMAKE_CURRENT_LIST_DIR}/input_buffer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_line.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jsonl_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/key_hash.cpp
  ${CMAKE_CURRENT_LIST_DIR}/masking.cpp
  ${CMAKE_CURRENT_LIST_DIR}/problem.cpp
  ${CMAKE_CURRENT_LIST_DIR}/record_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/record_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schema.cpp
  ${CMAKE_CURRENT_LIST_DIR}/utf8.cpp
  ${CMAKE_CURRENT_LIST_DIR}/validator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/value_checks.cpp
)

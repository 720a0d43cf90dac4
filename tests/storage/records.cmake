# Tests of storage/records (readers, encodings, schemas, validation, import check, masking,
# writers). Included by tests/storage/CMakeLists.txt into test_storage.
set(BATON_RECORDS_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/records_csv_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_encoding_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_import_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_jsonl_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_masking_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_roundtrip_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_schema_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_types_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_validator_test.cpp
)
# libFuzzer targets (BATON_FUZZ builds): one executable each, linked with baton_storage.
set(BATON_RECORDS_FUZZ_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/records_fuzz_csv.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_fuzz_jsonl.cpp
  ${CMAKE_CURRENT_LIST_DIR}/records_fuzz_schema.cpp
)

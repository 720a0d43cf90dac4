# The Noise engine (sans-IO): included by protocol/CMakeLists.txt.
set(BATON_NOISE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/cipher_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/symmetric_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/patterns.cpp
  ${CMAKE_CURRENT_LIST_DIR}/handshake_state.cpp
)

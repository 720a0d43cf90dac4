# Kills aimed at each phase of a witnessed handover (handshake, chunks, key release, receipts,
# checkpoint), with the witness among the victims. Reads the witness log with the protocol's rules.
baton_chaos_test(test_chaos_phases phase_kills_test.cpp)
target_link_libraries(test_chaos_phases PRIVATE baton_protocol)

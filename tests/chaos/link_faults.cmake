# Link faults (issue 7, item 1): baton-fault-proxy between the seller's push and the buyer's serve
# cuts, flips a bit of, truncates, replays, reorders and stalls frames of every connection,
# during handovers of some 40 MB run again and again until BATON_CHAOS_LINK_FAULTS faults
# (default 100) were injected. Each run must end with the buyer holding exactly the seller's data.
baton_chaos_test(test_chaos_link link_faults_test.cpp)

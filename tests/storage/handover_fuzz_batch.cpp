// libFuzzer target: the stage batch decoder (storage/stage_plaintext.h), which reads bytes a
// seller made: the input as a batch's zstd frame (BatchInflater, then the decoder), and as a
// RecordBatch. Properties: no crash, no sanitizer report, no allocation beyond the 16 MiB bound;
// a batch that decodes re-encodes to exactly the bytes it was decoded from (the decoder takes
// only the canonical form), and those decode again to the same set and values.
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "storage/stage_plaintext.h"

using namespace baton;
using namespace baton::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool init = sodium_init() >= 0;
    if (!init) std::abort();
    StageBatch batch;
    BatchInflater inflater;
    Bytes inflated;
    if (!inflater.inflate(ByteView(data, size), inflated)) (void)batch.parse(inflated);
    if (batch.parse(ByteView(data, size))) return 0;
    StageBatchEncoder enc;
    enc.start(batch.set());
    std::vector<std::vector<FieldValue>> rows(batch.records());
    for (uint32_t i = 0; i < batch.records(); ++i) {
        batch.record(i, rows[i]);
        enc.add(rows[i]);
    }
    Bytes framed;
    enc.finish(framed);
    if (framed.size() < 4 || get_u32_be(framed.data()) != framed.size() - 4) std::abort();
    if (inflater.inflate(ByteView(framed).subspan(4), inflated)) std::abort();
    if (inflated.size() != size || !std::equal(inflated.begin(), inflated.end(), data)) std::abort();
    StageBatch again;
    if (again.parse(inflated) || again.set() != batch.set() || again.records() != batch.records())
        std::abort();
    std::vector<FieldValue> row;
    for (uint32_t i = 0; i < again.records(); ++i) {
        again.record(i, row);
        if (row != rows[i]) std::abort();
    }
    return 0;
}

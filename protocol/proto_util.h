// Internal to protocol/'s codec files (the only files that see generated protobuf types): strict
// parsing and serialization helpers shared by the session and handover codecs.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "core/bytes.h"

namespace baton::proto_util {

// True when `m` or any message nested in it (singular or repeated) holds unknown fields.
inline bool has_unknown_fields(const google::protobuf::Message& m) {
    const auto* reflection = m.GetReflection();
    if (!reflection->GetUnknownFields(m).empty()) return true;
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    reflection->ListFields(m, &fields);
    for (const auto* f : fields) {
        if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
        if (f->is_repeated()) {
            for (int i = 0; i < reflection->FieldSize(m, f); ++i)
                if (has_unknown_fields(reflection->GetRepeatedMessage(m, f, i))) return true;
        } else if (has_unknown_fields(reflection->GetMessage(m, f))) {
            return true;
        }
    }
    return false;
}

// Parses `bytes` into `m`; false when they are not a valid encoding or hold unknown fields.
// REQUIRES: bytes.size() < 2 GiB (every caller bounds its input far below that first).
template <typename Message>
bool parse_strict(Message& m, ByteView bytes) {
    return m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) && !has_unknown_fields(m);
}

template <typename Message>
Bytes serialize(const Message& m) {
    std::string s;
    m.SerializeToString(&s);
    return to_bytes(s);
}

}  // namespace baton::proto_util

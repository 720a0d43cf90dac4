#include "storage/records/problem.h"

namespace baton::records {

std::string format_problem(std::string_view file, const Problem& p) {
    std::string out;
    out.reserve(file.size() + p.field.size() + p.message.size() + 48);
    out.append(file).append(":").append(std::to_string(p.line)).append(": ");
    if (p.severity == Severity::warning) out.append("warning: ");
    if (!p.field.empty()) out.append("field '").append(p.field).append("': ");
    out.append(p.message);
    return out;
}

}  // namespace baton::records

#include "certs/types.h"

#include <algorithm>

namespace baton::certs {

const char* role_name(Role r) {
    switch (r) {
        case Role::seller: return "seller";
        case Role::buyer: return "buyer";
        case Role::witness: return "witness";
    }
    return "?";
}

Result<Role> parse_role(std::string_view text) {
    if (text == "seller") return Role::seller;
    if (text == "buyer") return Role::buyer;
    if (text == "witness") return Role::witness;
    return usage_error("role '" + std::string(text.substr(0, 32)) + "' is not one of seller, buyer, witness");
}

bool roles_compatible(Role a, Role b) {
    // With three roles, "seller with buyer, or either with a witness" is exactly "different".
    return a != b;
}

Status check_deal_id(std::string_view deal) {
    if (deal.empty() || deal.size() > 64) return usage_error("deal id must be 1 to 64 characters");
    for (char c : deal) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) return usage_error("deal id may hold only letters, digits, '.', '_' and '-'");
    }
    return ok_status();
}

Status check_jurisdiction(std::string_view cc) {
    if (cc.size() != 2 || !std::all_of(cc.begin(), cc.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return usage_error("jurisdiction must be an ISO 3166-1 alpha-2 code such as CN");
    return ok_status();
}

bool RevocationList::revokes(uint64_t serial) const {
    return std::binary_search(revoked_serials.begin(), revoked_serials.end(), serial);
}

}  // namespace baton::certs

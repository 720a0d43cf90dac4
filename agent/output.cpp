#include "agent/output.h"

#include <algorithm>
#include <iostream>

namespace baton::agent {

void Output::result(const nlohmann::json& j, const std::string& text) const {
    if (json_) {
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
    } else {
        std::cout << text;
        if (!text.empty() && text.back() != '\n') std::cout << '\n';
        std::cout.flush();
    }
}

void Output::warn(const std::string& message) const {
    if (json_)
        std::cerr << nlohmann::json{{"warning", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << std::endl;
    else
        std::cerr << "baton: warning: " << message << std::endl;
}

void Output::error(const Error& e) const {
    if (json_)
        std::cerr << nlohmann::json{{"error",
                                         {{"kind", kind_name(e.kind())},
                                          {"exit_code", exit_code(e.kind())},
                                          {"message", e.message()}}}}
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << std::endl;
    else
        std::cerr << "baton: error: " << e.message() << std::endl;
}

TextBlock& TextBlock::line(const std::string& key, const std::string& value) {
    lines_.emplace_back(key, value);
    return *this;
}

TextBlock& TextBlock::note(const std::string& text) {
    lines_.emplace_back("", text);
    return *this;
}

std::string TextBlock::str() const {
    size_t width = 0;
    for (const auto& [k, v] : lines_) width = std::max(width, k.size());
    std::string out;
    for (const auto& [k, v] : lines_) {
        if (k.empty()) {
            out += v + "\n";
        } else {
            out += k + ":" + std::string(width - k.size() + 1, ' ') + v + "\n";
        }
    }
    return out;
}

std::string text_table(const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
    std::vector<size_t> width;
    for (const auto& r : rows)
        for (size_t i = 0; i < r.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], r[i].size());
        }
    std::string out;
    for (const auto& r : rows) {
        std::string line = indent;
        for (size_t i = 0; i < r.size(); ++i)
            line += r[i] + (i + 1 < r.size() ? std::string(width[i] - r[i].size() + 2, ' ') : "");
        out += line + "\n";
    }
    return out;
}

}  // namespace baton::agent

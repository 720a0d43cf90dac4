// How commands talk to people and scripts. Every command produces one result: a JSON object on
// one line of stdout with --json, otherwise readable text. Errors and warnings go to stderr
// ("baton: error: ..."), as JSON objects with --json. Secrets never reach an Output.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace baton::agent {

class Output {
public:
    explicit Output(bool json = false) : json_(json) {}
    void set_json(bool json) { json_ = json; }
    bool json() const { return json_; }

    void result(const nlohmann::json& j, const std::string& text) const;
    void warn(const std::string& message) const;
    void error(const Error& e) const;

private:
    bool json_;
};

// Rows of cells as columns aligned by their widest cell, two spaces apart, each line starting
// with `indent`.
std::string text_table(const std::vector<std::vector<std::string>>& rows, const std::string& indent = "  ");

// Aligned "key: value" lines for text output.
class TextBlock {
public:
    TextBlock& line(const std::string& key, const std::string& value);
    TextBlock& note(const std::string& text);
    std::string str() const;

private:
    std::vector<std::pair<std::string, std::string>> lines_;
};

}  // namespace baton::agent

// bench_gen_customers ROWS OUT.csv: writes a customer CSV that passes bench/customers.schema.json
// (valid resident IDs and USCCs with their check characters, mobiles, enums, decimals, dates),
// the same bytes for the same ROWS on every run (a fixed-seed generator). UTF-8, CRLF, no BOM.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/records/cn_ids.h"

namespace {

// splitmix64: fast, fixed seed, good enough to vary test data.
struct Rng {
    uint64_t s = 0x5eed'ba70'2026'0001ULL;
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
};

const char* const kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"};
const char* const kGiven[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"};
const char* const kRegions[] = {"110105", "310104", "440106", "330106", "510107", "320102", "420106", "610113"};
const char* const kRatings[] = {"AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"};
const char* const kRemarks[] = {"", "", "", "VIP客户", "地址: 北京市朝阳区, 建国路 88 号", "\"优质\" 客户", "已核实", "0012 (编号保留前导零)"};

void digits(std::string& out, uint64_t v, int width) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v));
    out += buf;
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void civil_from_days(int64_t z, int& y, int& m, int& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

// Distinct for every i below 8 * 20089 * 1000: (region, birth date, sequence) is a bijection of i.
void resident_id(std::string& out, uint64_t i) {
    constexpr uint64_t kDays = 20089;  // a prime: multiplying by 7919 permutes the days
    std::string id = kRegions[(i / (1000 * kDays)) % 8];
    int y, m, d;
    civil_from_days(-7305 + static_cast<int64_t>((i / 1000 % kDays) * 7919 % kDays), y, m, d);  // from 1950-01-01
    digits(id, static_cast<uint64_t>(y), 4);
    digits(id, static_cast<uint64_t>(m), 2);
    digits(id, static_cast<uint64_t>(d), 2);
    digits(id, i % 1000, 3);
    id += baton::records::resident_id_check_char(id);
    out += id;
}

void uscc(std::string& out, Rng& r) {
    std::string code = "91";
    code += kRegions[r.below(8)];
    for (int i = 0; i < 9; ++i) code += baton::records::kUsccAlphabet[r.below(10)];  // digits only: an organisation code
    code += baton::records::uscc_check_char(code);
    out += code;
}

void csv_text(std::string& out, const char* v) {
    std::string s(v);
    if (s.find_first_of(",\"\r\n") == std::string::npos) {
        out += s;
        return;
    }
    out += '"';
    for (char c : s) (c == '"' ? out += "\"\"" : out += c);
    out += '"';
}

void row(std::string& out, uint64_t i, Rng& r) {
    out += 'C';
    digits(out, i, 9);
    out += ',';
    out += kSurnames[r.below(16)];
    out += kGiven[r.below(16)];
    out += ',';
    resident_id(out, i);
    out += ",1";
    out += "3456789"[r.below(7)];
    digits(out, r.below(1000000000), 9);
    out += ',';
    if (r.below(4) == 0) uscc(out, r);
    out += ',';
    out += kRatings[r.below(9)];
    out += ',';
    digits(out, r.below(5000000), 1);
    out += '.';
    digits(out, r.below(100), 2);
    out += ',';
    digits(out, 2000 + r.below(26), 4);
    out += '-';
    digits(out, 1 + r.below(12), 2);
    out += '-';
    digits(out, 1 + r.below(28), 2);
    out += ",c";
    digits(out, i, 1);
    out += "@example.com,";
    csv_text(out, kRemarks[r.below(8)]);
    out += "\r\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_gen_customers ROWS OUT.csv\n");
        return 2;
    }
    const uint64_t rows = std::strtoull(argv[1], nullptr, 10);
    std::FILE* f = std::fopen(argv[2], "wb");
    if (!f) {
        std::perror(argv[2]);
        return 1;
    }
    std::string buf = "customer_id,name,id_number,mobile,uscc,credit_rating,credit_limit,opened_on,email,remark\r\n";
    Rng r;
    for (uint64_t i = 1; i <= rows; ++i) {
        row(buf, i, r);
        if (buf.size() >= (1u << 20) || i == rows) {
            if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) return 1;
            buf.clear();
        }
    }
    return std::fclose(f) == 0 ? 0 : 1;
}

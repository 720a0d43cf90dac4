// baton-gen-sample: deterministic sample data for the handover tests — three related record sets
// and their schemas (DESIGN §6 "Schema files"), each of which `baton import` takes cleanly:
//
//   baton-gen-sample --out DIR --customers N [--transactions-per-customer K] [--seed S]
//                    [--canary TEXT] [--remark-bytes B]
//
// writes DIR/customers.csv (N records), DIR/transactions.csv (N*K), DIR/credit_ratings.csv (N),
// and DIR/{customers,transactions,credit_ratings}.schema.json. transactions and credit_ratings
// reference customers.customer_id. The data holds decimals with scale 2 (some negative, some with
// one or no decimal places, some with leading zeros), dates and datetimes, an enum credit rating,
// cn_mobile, cn_resident_id (valid check digits, all distinct) and cn_uscc values, Chinese names,
// and remarks with commas, quotes, CRLF and LF, leading zeros, leading and trailing spaces, emoji
// — values that must come back from `baton export` byte for byte. --canary puts TEXT, exactly,
// into the remark of one customer (the middle one). --remark-bytes B gives every customer a
// remark of at least B bytes (the tricky ones stay as they are; the rest mostly random letters,
// which do not compress), to make a large stage.
//
// UTF-8, CRLF, no BOM; the same bytes for the same arguments on every run. Prints a JSON summary.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <sys/stat.h>

#include "tests/handover/sample_data.h"

namespace {

using namespace baton::sample;

constexpr const char* kCustomersSchema = R"({ "set": "customers", "primary_key": ["customer_id"],
  "fields": [
    { "name": "customer_id",   "type": "string", "required": true },
    { "name": "name",          "type": "string", "required": true },
    { "name": "id_number",     "type": "cn_resident_id", "unique": true },
    { "name": "mobile",        "type": "cn_mobile" },
    { "name": "uscc",          "type": "cn_uscc" },
    { "name": "credit_rating", "type": "enum", "values": ["AAA","AA","A","BBB","BB","B","CCC","CC","C"] },
    { "name": "credit_limit",  "type": "decimal", "scale": 2 },
    { "name": "opened_on",     "type": "date" },
    { "name": "email",         "type": "email" },
    { "name": "remark",        "type": "string", "max_length": 65536 } ] }
)";

constexpr const char* kTransactionsSchema = R"({ "set": "transactions", "primary_key": ["txn_id"],
  "fields": [
    { "name": "txn_id",       "type": "string", "required": true },
    { "name": "customer_id",  "type": "string", "required": true, "references": "customers.customer_id" },
    { "name": "booked_at",    "type": "datetime", "required": true },
    { "name": "value_date",   "type": "date" },
    { "name": "amount",       "type": "decimal", "scale": 2, "required": true },
    { "name": "fee",          "type": "decimal", "scale": 2 },
    { "name": "currency",     "type": "enum", "values": ["CNY","USD","HKD","EUR"] },
    { "name": "channel",      "type": "enum", "values": ["counter","atm","mobile","online","pos"] },
    { "name": "counterparty", "type": "string" },
    { "name": "memo",         "type": "string", "max_length": 4096 } ] }
)";

constexpr const char* kRatingsSchema = R"({ "set": "credit_ratings", "primary_key": ["rating_id"],
  "fields": [
    { "name": "rating_id",    "type": "string", "required": true },
    { "name": "customer_id",  "type": "string", "required": true, "references": "customers.customer_id" },
    { "name": "rating",       "type": "enum", "required": true, "values": ["AAA","AA","A","BBB","BB","B","CCC","CC","C"] },
    { "name": "score",        "type": "integer" },
    { "name": "exposure",     "type": "decimal", "scale": 2 },
    { "name": "rated_on",     "type": "date", "required": true },
    { "name": "agency",       "type": "string" },
    { "name": "outlook",      "type": "enum", "values": ["positive","stable","negative","developing"] },
    { "name": "note",         "type": "string", "max_length": 4096 } ] }
)";

const char* const kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                 "徐", "孙", "马", "朱", "胡", "郭", "欧阳", "司马", "诸葛", "𠀀"};
const char* const kGiven[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军",
                              "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞"};
const char* const kRatings[] = {"AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"};
const char* const kCurrencies[] = {"CNY", "CNY", "CNY", "CNY", "USD", "HKD", "EUR"};
const char* const kChannels[] = {"counter", "atm", "mobile", "online", "pos"};
const char* const kOutlooks[] = {"positive", "stable", "stable", "negative", "developing"};
const char* const kAgencies[] = {"中诚信国际", "联合资信", "大公国际", "东方金诚", "上海新世纪", "Internal, Risk Dept."};
const char* const kCounterparties[] = {"北京市朝阳区建国路 88 号便利店", "上海浦东发展银行", "支付宝（中国）网络技术有限公司",
                                       "财付通支付科技有限公司", "\"京东\"商城", "中国石化, 加油站 0071",
                                       "ATM 0042", "", "工资 (payroll)", "水电费  "};
// Remarks that must come back exactly: commas, quotes, CRLF and LF, leading zeros, leading and
// trailing spaces, formula-like text, emoji and four-byte characters.
const char* const kTricky[] = {
    "VIP客户",
    "已核实",
    "地址: 北京市朝阳区, 建国路 88 号",
    "\"优质\" 客户, 说 \"你好\"",
    "第一行\r\n第二行",
    "line one\nline two\n",
    "0012",
    "000000",
    "尾随空格   ",
    "   前导空格",
    "=SUM(A1:A9)",
    "+86 不是手机号, 'quoted'",
    "emoji 😀👍🏽 and 𠀀𠂇 (four bytes)",
    "  0012,\"x\"\r\nsecond line  ",
    "\"\"",
    ",",
    "tab\there",
};
const char* const kFiller[] = {"客户经理回访记录：", "账户状态正常；", "近期无逾期。", "联系人已更新, ", "备注 ",
                               "风险评级复核完成。", "Customer requested paper statements. ", "\"重要\" ", "0",
                               "营业部 ", "开户资料齐全；", "电话回访 3 次。"};

class Writer {
public:
    explicit Writer(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {
        if (!f_) fail(std::strerror(errno));
    }
    ~Writer() {
        if (f_) std::fclose(f_);
    }
    std::string& buf() { return buf_; }
    void row_done() {
        buf_ += "\r\n";
        if (buf_.size() >= (1u << 20)) flush();
    }
    void close() {
        flush();
        if (std::fclose(f_) != 0) fail(std::strerror(errno));
        f_ = nullptr;
    }

private:
    void flush() {
        if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) fail(std::strerror(errno));
        buf_.clear();
    }
    [[noreturn]] void fail(const char* why) const {
        std::fprintf(stderr, "baton-gen-sample: %s: %s\n", path_.c_str(), why);
        std::exit(1);
    }
    std::string path_;
    std::FILE* f_;
    std::string buf_;
};

void write_file(const std::string& path, const char* text) {
    Writer w(path);
    w.buf() = text;
    w.close();
}

std::string customer_id(uint64_t i) {
    std::string s = "C";
    digits(s, i, 9);
    return s;
}

void filler(std::string& out, Rng& r, size_t bytes) {
    const size_t start = out.size();
    while (out.size() - start < bytes) out += r.pick(kFiller);
}

// Text that does not compress: `bytes` letters of a 64-letter alphabet at random (6 bits each,
// ten from each draw). Stages are zstd-compressed before encryption, so a large stage in chunks
// needs remarks like these; filler text would shrink about tenfold.
void random_text(std::string& out, Rng& r, size_t bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    while (bytes > 0) {
        uint64_t bits = r.next();
        for (int i = 0; i < 10 && bytes > 0; ++i, --bytes, bits >>= 6) out += kAlphabet[bits & 63];
    }
}

// A remark: null (35%), filler text, or one of the tricky values. With remark_bytes, every
// remark that is not tricky (30%) is a little filler and then random text, at least that many
// bytes in all.
std::string remark(Rng& r, size_t remark_bytes) {
    const uint32_t kind = r.below(20);
    std::string s;
    if (kind < 7 && !remark_bytes) return s;  // empty: null
    if (kind < 7 || kind == 19 || (remark_bytes && kind < 13)) {
        if (!remark_bytes) {
            filler(s, r, 40 + r.below(200));
            return s;
        }
        filler(s, r, 20);
        random_text(s, r, remark_bytes > s.size() ? remark_bytes - s.size() : 0);
        return s;
    }
    return r.pick(kTricky);
}

void customers(const std::string& dir, uint64_t n, uint64_t seed, const std::string& canary, size_t remark_bytes) {
    Writer w(dir + "/customers.csv");
    Rng r(seed ^ 0xC057'0E25ULL);
    w.buf() = "customer_id,name,id_number,mobile,uscc,credit_rating,credit_limit,opened_on,email,remark\r\n";
    const uint64_t canary_at = (n + 1) / 2;
    for (uint64_t i = 1; i <= n; ++i) {
        std::string& o = w.buf();
        o += customer_id(i);
        o += ',';
        o += r.pick(kSurnames);
        o += r.pick(kGiven);
        if (r.chance(30)) o += r.pick(kGiven);
        o += ',';
        if (!r.chance(5)) resident_id(o, i * 7 + 1);  // some customers have no ID on file
        o += ',';
        if (!r.chance(10)) mobile(o, r);
        o += ',';
        if (r.chance(20)) uscc(o, r);
        o += ',';
        if (!r.chance(3)) o += r.pick(kRatings);
        o += ',';
        switch (r.below(10)) {
            case 0: break;                                           // null
            case 1: digits(o, r.below(100000), 1); break;            // no decimal places
            case 2: digits(o, r.below(100000), 1), o += ".5"; break; // one
            case 3: o += "00"; digits(o, r.below(1000), 1), o += ".00"; break;  // leading zeros
            default: cents(o, static_cast<int64_t>(r.below(500000000))); break;
        }
        o += ',';
        iso_date(o, 10957 + r.below(9490));  // 2000-01-01 .. 2025-12-26
        o += ',';
        if (!r.chance(15)) {
            o += 'c';
            digits(o, i, 1);
            o += r.chance(50) ? "@example.com" : "@mail.example.cn";
        }
        o += ',';
        csv_field(o, i == canary_at && !canary.empty() ? canary : remark(r, remark_bytes));
        w.row_done();
    }
    w.close();
}

void transactions(const std::string& dir, uint64_t n, uint64_t k, uint64_t seed) {
    Writer w(dir + "/transactions.csv");
    Rng r(seed ^ 0x7E45'AC71ULL);
    w.buf() = "txn_id,customer_id,booked_at,value_date,amount,fee,currency,channel,counterparty,memo\r\n";
    uint64_t t = 0;
    for (uint64_t i = 1; i <= n; ++i)
        for (uint64_t j = 0; j < k; ++j) {
            std::string& o = w.buf();
            o += 'T';
            digits(o, ++t, 10);
            o += ',';
            o += customer_id(i);
            o += ',';
            const int64_t day = 18262 + r.below(2190);  // 2020-01-01 .. 2025-12-30
            iso_date(o, day);
            o += 'T';
            digits(o, r.below(24), 2);
            o += ':';
            digits(o, r.below(60), 2);
            o += ':';
            digits(o, r.below(60), 2);
            switch (r.below(4)) {
                case 0: o += "+08:00"; break;
                case 1: o += 'Z'; break;
                case 2: o += '.', digits(o, r.below(1000), 3); break;
                default: break;
            }
            o += ',';
            if (!r.chance(10)) iso_date(o, day + r.below(3));
            o += ',';
            int64_t amount = static_cast<int64_t>(r.below(2000000)) - 1200000;  // about 60% debits
            if (r.chance(2)) amount *= 1000;
            cents(o, amount);
            o += ',';
            if (r.chance(30)) cents(o, r.below(5000));
            else if (r.chance(5)) o += "-0.50";  // a refunded fee
            o += ',';
            o += r.pick(kCurrencies);
            o += ',';
            o += r.pick(kChannels);
            o += ',';
            csv_field(o, r.pick(kCounterparties));
            o += ',';
            if (r.chance(15)) csv_field(o, r.pick(kTricky));
            w.row_done();
        }
    w.close();
}

void credit_ratings(const std::string& dir, uint64_t n, uint64_t seed) {
    Writer w(dir + "/credit_ratings.csv");
    Rng r(seed ^ 0xC4ED'17ULL);
    w.buf() = "rating_id,customer_id,rating,score,exposure,rated_on,agency,outlook,note\r\n";
    for (uint64_t i = 1; i <= n; ++i) {
        std::string& o = w.buf();
        o += 'R';
        digits(o, i, 9);
        o += ',';
        o += customer_id(i);
        o += ',';
        o += r.pick(kRatings);
        o += ',';
        if (!r.chance(5)) {
            if (r.chance(3)) o += '0';  // leading zero, kept as written
            digits(o, 300 + r.below(551), 1);
        }
        o += ',';
        if (!r.chance(10)) cents(o, static_cast<int64_t>(r.below(100000000)) - 20000000);
        o += ',';
        iso_date(o, 16071 + r.below(3650));  // 2014-01-01 ..
        o += ',';
        csv_field(o, r.pick(kAgencies));
        o += ',';
        if (!r.chance(10)) o += r.pick(kOutlooks);
        o += ',';
        if (r.chance(20)) csv_field(o, r.pick(kTricky));
        w.row_done();
    }
    w.close();
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "baton-gen-sample: %s\nusage: baton-gen-sample --out DIR --customers N [--transactions-per-customer K] "
                 "[--seed S] [--canary TEXT] [--remark-bytes B]\n",
                 why);
    std::exit(2);
}

uint64_t number(const char* opt, const char* v, uint64_t max) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v, &end, 10);
    if (errno || !*v || *end || *v == '-' || n > max) usage((std::string(opt) + ": not a number up to " + std::to_string(max)).c_str());
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    std::string out, canary;
    uint64_t n = 0, k = 3, seed = 1, remark_bytes = 0;
    bool have_n = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (i + 1 >= argc) usage(("missing the value of " + std::string(a)).c_str());
        const char* v = argv[++i];
        if (a == "--out") out = v;
        else if (a == "--customers") n = number(argv[i - 1], v, 100'000'000), have_n = true;
        else if (a == "--transactions-per-customer") k = number(argv[i - 1], v, 1000);
        else if (a == "--seed") seed = number(argv[i - 1], v, UINT64_MAX);
        else if (a == "--canary") canary = v;
        else if (a == "--remark-bytes") remark_bytes = number(argv[i - 1], v, 60000);
        else usage(("unknown option " + std::string(a)).c_str());
    }
    if (out.empty() || !have_n || n == 0) usage("--out and --customers (at least 1) are required");
    if (::mkdir(out.c_str(), 0700) != 0 && errno != EEXIST) {
        std::fprintf(stderr, "baton-gen-sample: %s: %s\n", out.c_str(), std::strerror(errno));
        return 1;
    }
    write_file(out + "/customers.schema.json", kCustomersSchema);
    write_file(out + "/transactions.schema.json", kTransactionsSchema);
    write_file(out + "/credit_ratings.schema.json", kRatingsSchema);
    customers(out, n, seed, canary, remark_bytes);
    transactions(out, n, k, seed);
    credit_ratings(out, n, seed);
    std::printf("{\"customers\":%llu,\"transactions\":%llu,\"credit_ratings\":%llu,\"records\":%llu,\"canary_customer\":%s}\n",
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(n * k),
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(n * (k + 2)),
                canary.empty() ? "null" : ("\"" + customer_id((n + 1) / 2) + "\"").c_str());
    return 0;
}

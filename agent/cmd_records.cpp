// baton import, baton sets, baton export: record sets (DESIGN §3 step 2, §5, §6; issue 4).
//
// import checks the whole file against the schema while it seals accepted rows into the record
// store, inside one transaction that commits only at the end: a refused or failed import leaves
// the database as it was. Memory stays bounded whatever the file's size (one record, one batch)
// apart from the keyed hashes the validator keeps per unique field (16-43 bytes per row).
#include <unistd.h>

#include <cstdio>

#include "agent/commands.h"
#include "agent/export_file.h"
#include "agent/home.h"
#include "agent/import_sink.h"
#include "agent/inbound_export.h"
#include "storage/record_refs.h"
#include "storage/record_store.h"
#include "storage/records/record_writer.h"
#include "storage/records/schema.h"

namespace baton::agent {

namespace {

struct ImportArgs {
    std::string set, schema, file, format, encoding = "auto", rejects;
    bool replace = false;
};

struct ExportArgs {
    std::string set, format, out, deal;
};

// --format, else by the file's extension: .jsonl and .ndjson are JSON Lines, anything else CSV.
Result<records::Format> import_format(const ImportArgs& a) {
    if (!a.format.empty()) return records::parse_format(a.format);
    for (const char* ext : {".jsonl", ".ndjson", ".JSONL", ".NDJSON"})
        if (a.file.ends_with(ext)) return records::Format::jsonl;
    return records::Format::csv;
}

nlohmann::json set_json(const storage::RecordSetInfo& s) {
    return {{"name", s.name},          {"records", s.records},
            {"rejected", s.rejected},  {"digest", to_hex(s.digest)},
            {"fields", s.columns},     {"imported_at", format_time(s.imported_at)},
            {"source_file", s.source_file}, {"source_format", s.source_format},
            {"source_encoding", s.source_encoding}};
}

// Prints the report of an import that stored nothing and returns the error that says so.
Error refuse_import(Context& ctx, const records::ImportReport& report, const records::Schema& schema, std::string why) {
    auto j = nlohmann::json::parse(records::report_json(report, schema));
    j["imported"] = false;
    ctx.out.result(j, records::report_text(report, schema));
    return input_error(report.file + ": " + why + "; nothing was imported");
}

Status store_key_hashes(storage::RecordSetWriter& writer, const records::Schema& schema, const records::Validator& v) {
    for (size_t i = 0; i < schema.fields.size(); ++i)
        if (const records::KeyHashSet* h = v.value_hashes(i)) BATON_TRY(writer.add_key_hashes(schema.fields[i].name, *h));
    return ok_status();
}

std::string import_detail(const ImportArgs& a, const records::ImportReport& r, const storage::RecordSetInfo& s,
                          bool replaced) {
    std::string d = "set " + s.name + ": " + std::to_string(s.records) + " records from " + a.file + " (" +
                     s.source_format + ", " + s.source_encoding + "), digest " + to_hex(s.digest);
    if (r.rejected) d += "; " + std::to_string(r.rejected) + " refused to " + a.rejects;
    if (replaced) d += "; replaced the previous import";
    return d;
}

// What an import needs before it reads the file.
struct ImportSetup {
    records::Format format;
    records::ReaderOptions reader;
    records::Schema schema;
    bool replacing = false;
};

Result<ImportSetup> setup_import(const ImportArgs& a, Home& home) {
    ImportSetup s;
    BATON_ASSIGN(s.format, import_format(a));
    BATON_ASSIGN(s.reader.encoding, records::parse_encoding(a.encoding));
    BATON_ASSIGN(s.schema, records::load_schema(a.schema));
    if (s.schema.set != a.set)
        return input_error(a.schema + ": the schema describes set '" + s.schema.set + "', not '" + a.set + "'");
    BATON_ASSIGN(auto existing, storage::find_record_set(home.db(), a.set));
    if (existing && !a.replace)
        return conflict_error("record set " + a.set + " exists already (" + std::to_string(existing->records) +
                              " records imported " + format_time(existing->imported_at) +
                              "); give --replace to replace it");
    s.replacing = existing.has_value();
    return s;
}

// After a successful check: the key hashes, the set's totals, the audit row and the rejects
// file, then the commit. Any failure rolls everything back and removes the rejects file.
Result<storage::RecordSetInfo> commit_import(Home& home, storage::Transaction& tx, storage::RecordSetWriter& writer,
                                             const ImportArgs& a, const ImportSetup& setup,
                                             const records::ImportReport& report, const records::Validator& validator,
                                             RejectsFile* rejects) {
    BATON_TRY(store_key_hashes(writer, setup.schema, validator));
    BATON_ASSIGN(auto info, writer.finish(report.rejected, std::string(records::encoding_name(report.encoding.encoding)),
                                          now_unix()));
    BATON_TRY(home.audit("import", import_detail(a, report, info, setup.replacing)));
    if (rejects) BATON_TRY(rejects->commit());
    if (auto committed = tx.commit(); !committed) {
        if (rejects) ::unlink(a.rejects.c_str());
        return committed.error();
    }
    return info;
}

void print_imported(Context& ctx, const ImportArgs& a, const ImportSetup& setup, const records::ImportReport& report,
                    const storage::RecordSetInfo& info) {
    auto j = nlohmann::json::parse(records::report_json(report, setup.schema));
    j["imported"] = true;
    j["replaced"] = setup.replacing;
    j["stored"] = info.records;
    j["digest"] = to_hex(info.digest);
    if (!a.rejects.empty()) j["rejects_file"] = a.rejects;
    std::string text = records::report_text(report, setup.schema) + "Imported " + std::to_string(info.records) +
                       " records into set " + a.set + (setup.replacing ? " (replacing the previous import)" : "") +
                       "\ncontent digest: " + to_hex(info.digest) + "\n";
    if (!a.rejects.empty()) text += std::to_string(report.rejected) + " refused records written to " + a.rejects + "\n";
    ctx.out.result(j, text);
}

Status run_import(Context& ctx, const ImportArgs& a) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(const ImportSetup setup, setup_import(a, home));
    const records::Schema& schema = setup.schema;
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    BATON_ASSIGN(auto source, records::FileSource::open(a.file));
    BATON_ASSIGN(auto refs, storage::StoredReferences::load(home.db(), schema));
    records::KeyHasher hasher(storage::derive_key_hash_secret(keys.storage_key));
    BATON_ASSIGN(auto validator, records::Validator::create(schema, hasher, refs.get()));
    std::unique_ptr<RejectsFile> rejects;
    if (!a.rejects.empty()) {
        BATON_ASSIGN(rejects, RejectsFile::create(a.rejects, setup.format, schema.field_names()));
    }
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    storage::RecordSetWriter::Params params{a.set, records::schema_to_json(schema), schema.field_names(),
                                            schema.fields.size(), a.file, format_name(setup.format)};
    BATON_ASSIGN(auto writer, storage::RecordSetWriter::begin(home.db(), keys.storage_key, params, a.replace));
    ImportSink sink(writer, rejects.get());
    auto checked = records::check_import(*source, a.file, schema, *validator, sink, {setup.format, setup.reader});
    if (!checked) return Error(checked.error().kind(), checked.error().message() + "; nothing was imported");
    const records::ImportReport& report = *checked;
    if (!report.ok() && !rejects)
        return refuse_import(ctx, report, schema,
                             std::to_string(report.rejected) + " of " + std::to_string(report.records) + " records refused");
    if (report.accepted == 0) return refuse_import(ctx, report, schema, "no acceptable record");
    if (setup.replacing) BATON_TRY(storage::check_dependents(home.db(), keys.storage_key, schema, *validator, hasher));
    BATON_ASSIGN(auto info, commit_import(home, tx, writer, a, setup, report, *validator, rejects.get()));
    print_imported(ctx, a, setup, report, info);
    return ok_status();
}

Status run_sets(Context& ctx) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto sets, storage::list_record_sets(home.db()));
    nlohmann::json j = nlohmann::json::array();
    std::string text;
    for (const auto& s : sets) {
        j.push_back(set_json(s));
        text += s.name + "  " + std::to_string(s.records) + " records  " + to_hex(s.digest) + "  imported " +
                format_time(s.imported_at) + " from " + s.source_file + "\n";
    }
    ctx.out.result({{"sets", j}}, text.empty() ? "No record sets." : text);
    return ok_status();
}

// Writes the set to `a.out` (through a temporary file renamed into place).
Result<storage::RecordSetInfo> export_to_file(Home& home, const crypto::Key32& key, const ExportArgs& a,
                                              records::Format format) {
    BATON_ASSIGN(auto reader, storage::RecordSetReader::open(home.db(), key, a.set));
    BATON_TRY(write_export_file(a.out, format, reader.info().columns,
                                [&reader](std::vector<records::FieldValue>& row) { return reader.next(row); }));
    return reader.info();
}

Status run_export(Context& ctx, const ExportArgs& a) {
    BATON_ASSIGN(auto format, records::parse_format(a.format));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto local, storage::find_record_set(home.db(), a.set));
    if (!local || !a.deal.empty()) {
        // Not an imported set: perhaps one received in a handover.
        BATON_ASSIGN(auto inbound, find_inbound_set(home, a.set, a.deal));
        if (inbound) return export_inbound_set(ctx, home, *inbound, format, a.out);
    }
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    // The audit row and the file go together: the row commits only once the file is in place.
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_ASSIGN(auto info, export_to_file(home, keys.storage_key, a, format));
    BATON_TRY(home.audit("export", "set " + info.name + ": " + std::to_string(info.records) + " records to " + a.out +
                                       " (" + format_name(format) + "), digest " + to_hex(info.digest)));
    if (auto committed = tx.commit(); !committed) {
        ::unlink(a.out.c_str());
        return committed.error();
    }
    auto j = set_json(info);
    j["out"] = a.out;
    j["format"] = format_name(format);
    ctx.out.result(j, "Exported " + std::to_string(info.records) + " records of set " + info.name + " to " + a.out +
                          "\ncontent digest: " + to_hex(info.digest) + " (checked)\n");
    return ok_status();
}

}  // namespace

void register_record_commands(CLI::App& app, Context& ctx, Action& action) {
    auto ia = std::make_shared<ImportArgs>();
    auto* imp = app.add_subcommand("import", "Check a CSV or JSON Lines file against a schema and store it, encrypted");
    imp->add_option("--set", ia->set, "Record set name (must match the schema's \"set\")")->required();
    imp->add_option("--schema", ia->schema, "Schema file (JSON)")->required();
    imp->add_option("--file", ia->file, "The records: CSV with a header row, or JSON Lines")->required();
    imp->add_option("--format", ia->format, "csv or jsonl (default: jsonl for .jsonl/.ndjson files, else csv)");
    imp->add_option("--encoding", ia->encoding, "auto, utf-8 or gb18030 (default auto)");
    imp->add_option("--rejects", ia->rejects, "Import the valid rows and write each refused one here, with its reason");
    imp->add_flag("--replace", ia->replace, "Replace a set imported before (atomically)");
    imp->callback([&ctx, &action, ia] { action = [&ctx, ia] { return run_import(ctx, *ia); }; });

    auto* sets = app.add_subcommand("sets", "List the record sets with their record counts and content digests");
    sets->callback([&ctx, &action] { action = [&ctx] { return run_sets(ctx); }; });

    auto ea = std::make_shared<ExportArgs>();
    auto* exp = app.add_subcommand("export", "Write a record set back out, exactly as imported or received (UTF-8); "
                                            "a received set only once its stage was accepted");
    exp->add_option("--set", ea->set, "Record set name")->required();
    exp->add_option("--format", ea->format, "csv or jsonl")->required();
    exp->add_option("--out", ea->out, "File to write (mode 0600)")->required();
    exp->add_option("--deal", ea->deal, "Export the set received from this deal's seller (needed only when several deals hold it)");
    exp->callback([&ctx, &action, ea] { action = [&ctx, ea] { return run_export(ctx, *ea); }; });
}

}  // namespace baton::agent

#include "cli/get_watch.h"

#include <algorithm>
#include <ostream>

#include "cli/agent_address.h"
#include "cli/output.h"
#include "cli/resource_printer.h"
#include "net/watch_stream.h"

namespace cara::cli {
namespace {

using ojson = nlohmann::ordered_json;

// "MODIFIED" and the tables' three spaces of padding.
constexpr size_t kEventColumnWidth = 11;

std::string Padded(const std::string& type) {
  return type + std::string(kEventColumnWidth - std::min(type.size(), kEventColumnWidth - 1), ' ');
}

// Prints events in the chosen format as they come.
class EventPrinter {
 public:
  EventPrinter(const CliContext& ctx, const WatchSubject& subject) : ctx_(ctx), subject_(subject) {}

  void Print(const std::string& type, const ojson& object) {
    switch (ctx_.format) {
      case OutputFormat::kJson:
        *ctx_.out << ojson{{"type", type}, {"object", object}}.dump() << "\n";
        break;
      case OutputFormat::kYaml:
        *ctx_.out << (documents_++ ? "---\n" : "") << Yaml(type, object);
        break;
      case OutputFormat::kName:
        *ctx_.out << ObjectRef(subject_.kind, net::ObjectName(object)) << "\n";
        break;
      default:
        *ctx_.out << Row(type, object);
        break;
    }
    ctx_.out->flush();
  }

 private:
  // type first, then the object with its keys sorted as get -o yaml has them.
  static std::string Yaml(const std::string& type, const ojson& object) {
    ojson sorted = ojson::parse(nlohmann::json(object).dump());
    return RenderYaml(ojson{{"type", type}, {"object", sorted}});
  }

  // The kind's table row with the event in front; the header goes with the
  // first row.
  std::string Row(const std::string& type, const ojson& object) {
    PrintOptions options{ctx_.format, /*headers=*/true, /*as_list=*/true, ctx_.clock->Now()};
    std::string table = PrintObjects(subject_.kind, {object}, options);
    size_t newline = table.find('\n');
    std::string out;
    if (subject_.headers && !header_printed_) out = Padded("EVENT") + table.substr(0, newline + 1);
    header_printed_ = true;
    return out + Padded(type) + table.substr(newline + 1);
  }

  const CliContext& ctx_;
  const WatchSubject& subject_;
  bool header_printed_ = false;
  int documents_ = 0;
};

std::string WithQuery(const std::string& path, const std::string& query) {
  return query.empty() ? path : path + "?" + query;
}

}  // namespace

Result<std::string> WatchStartVersion(const CliContext& ctx, const WatchSubject& subject) {
  const std::string collection = NamesOf(subject.kind).collection;
  std::string query = subject.filters + (subject.filters.empty() ? "" : "&") + "limit=1";
  auto response = ctx.client->Get(WithQuery(collection, query));
  Status st = ExpectSuccess(response);
  if (!st.ok())
    return Status(st.code(),
                  std::string("get ") + NamesOf(subject.kind).plural + ": " + st.message());
  ojson list = ojson::parse(response->body, nullptr, /*allow_exceptions=*/false);
  return net::ObjectResourceVersion(list);
}

int StreamWatch(const CliContext& ctx, net::WatchRequest request,
                const std::function<void(const net::WatchEvent&)>& on_event) {
  const ApiConnection connection = ctx.client->connection();
  net::WatchStream stream(
      [connection] {
        auto client = net::NewHttpClient(connection.server, {connection.token, connection.tls});
        client->set_connection_timeout(10, 0);
        return client;
      },
      std::move(request), ctx.clock);
  InterruptWatcher interrupt([&stream](int) { stream.Cancel(); });
  net::WatchCallbacks callbacks;
  callbacks.on_event = [&](const net::WatchEvent& event) {
    on_event(event);
    return true;
  };
  // One warning per outage (a restarting server fails several attempts).
  bool warned = false;
  callbacks.on_connected = [&warned] { warned = false; };
  callbacks.on_error = [&](const Status& st) {
    if (!warned) *ctx.err << "Warning: " << st.message() << "; retrying\n";
    warned = true;
  };
  Status st = stream.Run(callbacks);
  if (interrupt.interrupted()) return kExitOk;
  if (!st.ok()) return ReportError(ctx, st.message());
  return kExitOk;
}

int WatchAndPrint(const CliContext& ctx, const WatchSubject& subject, const std::string& since,
                  std::vector<ojson> initial) {
  auto wanted = [&subject](const std::string& name) {
    return subject.names.empty() ||
           std::find(subject.names.begin(), subject.names.end(), name) != subject.names.end();
  };
  EventPrinter printer(ctx, subject);
  for (const ojson& object : initial) printer.Print(net::kWatchAdded, object);

  net::WatchRequest request;
  request.collection = NamesOf(subject.kind).collection;
  request.filters = subject.filters;
  request.resource_version = since;
  request.known = std::move(initial);
  return StreamWatch(ctx, std::move(request), [&](const net::WatchEvent& event) {
    if (wanted(event.name())) printer.Print(event.type, event.object);
  });
}

}  // namespace cara::cli

#include "server/response.h"

#include <httplib.h>

#include "common/log.h"
#include "net/problem.h"

namespace cara::server {

std::string ProblemBody(int s, const std::string& detail,
                        const std::vector<api::SchemaError>& errors) {
  std::vector<net::ProblemError> entries;
  entries.reserve(errors.size());
  for (const auto& e : errors) entries.push_back({e.pointer, e.message});
  return net::ProblemBody(s, detail, entries);
}

void WriteProblem(httplib::Response& res, int s, const std::string& detail,
                  const std::vector<api::SchemaError>& errors) {
  res.status = s;
  res.set_content(ProblemBody(s, detail, errors), net::kProblemContentType);
}

void WriteProblem(httplib::Response& res, const Problem& problem) {
  WriteProblem(res, problem.http_status, problem.detail, problem.errors);
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalid:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kConflict:
      return 409;
    case Code::kTooLarge:
      return 413;
    case Code::kUnavailable:
    case Code::kInternal:
      return 500;
  }
  return 500;
}

void WriteError(httplib::Response& res, const Status& status) {
  int s = HttpStatusFor(status.code());
  if (s == 500) {
    LOG_ERROR("request failed").Kv("error", status.ToString());
    WriteProblem(res, 500, "Internal server error");
    return;
  }
  WriteProblem(res, s, status.message());
}

void WriteCreateError(httplib::Response& res, const Status& status, const std::string& what,
                      const std::string& name) {
  if (status.code() == Code::kAlreadyExists) {
    return WriteError(res, status.Wrap(what + " already exists: " + name));
  }
  WriteError(res, status);
}

void WriteJson(httplib::Response& res, int s, std::string body) {
  res.status = s;
  res.set_content(std::move(body), "application/json");
}

std::string JoinListBody(const char* kind, const std::vector<std::string>& items) {
  size_t size = 64;
  for (const auto& i : items) size += i.size() + 1;
  std::string out;
  out.reserve(size);
  out += "{\"apiVersion\":\"caravanserai/v1\",\"kind\":\"";
  out += kind;
  out += "\",\"items\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  out += "]}";
  return out;
}

}  // namespace cara::server

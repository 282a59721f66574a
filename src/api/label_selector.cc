#include "api/label_selector.h"

#include <algorithm>
#include <charconv>

#include "api/label_syntax.h"
#include "common/go_quote.h"

namespace cara::api {
namespace {

// ---- Lexer ---------------------------------------------------------------------------

enum class Tok {
  kEnd,
  kIdentifier,
  kComma,
  kNot,
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kGreater,
  kLess,
  kIn,
  kNotIn,
  kOpen,
  kClose
};

struct Token {
  Tok kind;
  std::string text;
  size_t column;  // 1-based
};

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsSymbol(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

// Symbols: the longest of "==", "!=" that matches, else the single character
// (every symbol character is a token by itself).
Token ScanSymbol(std::string_view s, size_t& pos) {
  size_t start = pos;
  if (pos + 1 < s.size() && s[pos + 1] == '=' && (s[pos] == '=' || s[pos] == '!')) {
    pos += 2;
    return {s[start] == '=' ? Tok::kDoubleEquals : Tok::kNotEquals, std::string(s.substr(start, 2)),
            start + 1};
  }
  ++pos;
  Tok kind = Tok::kClose;
  switch (s[start]) {
    case '=':
      kind = Tok::kEquals;
      break;
    case '!':
      kind = Tok::kNot;
      break;
    case '(':
      kind = Tok::kOpen;
      break;
    case ',':
      kind = Tok::kComma;
      break;
    case '>':
      kind = Tok::kGreater;
      break;
    case '<':
      kind = Tok::kLess;
      break;
  }
  return {kind, std::string(1, s[start]), start + 1};
}

std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t pos = 0;
  while (true) {
    while (pos < s.size() && IsBlank(s[pos])) ++pos;
    if (pos == s.size()) break;
    if (IsSymbol(s[pos])) {
      out.push_back(ScanSymbol(s, pos));
      continue;
    }
    size_t start = pos;
    while (pos < s.size() && !IsBlank(s[pos]) && !IsSymbol(s[pos])) ++pos;
    std::string word(s.substr(start, pos - start));
    Tok kind = word == "in" ? Tok::kIn : word == "notin" ? Tok::kNotIn : Tok::kIdentifier;
    out.push_back({kind, std::move(word), start + 1});
  }
  out.push_back({Tok::kEnd, "", s.size() + 1});
  return out;
}

// ---- Parser --------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(Lex(text)) {}

  Result<std::vector<LabelRequirement>> Run() {
    std::vector<LabelRequirement> out;
    if (Peek().kind == Tok::kEnd) return out;
    while (true) {
      auto r = Requirement();
      if (!r.ok()) return r.status();
      out.push_back(std::move(*r));
      const Token& t = Next();
      if (t.kind == Tok::kEnd) return out;
      if (t.kind != Tok::kComma) return Unexpected(t, "\",\" or the end");
    }
  }

 private:
  // Outside operator position "in" and "notin" are plain words.
  static bool IsWord(const Token& t) {
    return t.kind == Tok::kIdentifier || t.kind == Tok::kIn || t.kind == Tok::kNotIn;
  }
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }

  // Label syntax errors (label_syntax.h, shared with manifests and the API)
  // say where in the selector they are.
  static Status AtColumn(size_t column, const Status& st) {
    return Status::Invalid("at column " + std::to_string(column) + ": " + st.message());
  }

  static Status Unexpected(const Token& t, const std::string& expected) {
    if (t.kind == Tok::kEnd) return Status::Invalid("unexpected end: expected " + expected);
    return Status::Invalid("unexpected " + GoQuote(t.text) + " at column " +
                           std::to_string(t.column) + ": expected " + expected);
  }

  Result<LabelRequirement> Requirement() {
    LabelRequirement r;
    bool negated = Peek().kind == Tok::kNot;
    if (negated) Next();
    const Token& key = Next();
    if (!IsWord(key)) return Unexpected(key, negated ? "a key" : "a key or \"!\"");
    if (Status st = ValidateLabelKey(key.text); !st.ok()) return AtColumn(key.column, st);
    r.key = key.text;
    if (negated || Peek().kind == Tok::kEnd || Peek().kind == Tok::kComma) {
      r.op = negated ? LabelOperator::kDoesNotExist : LabelOperator::kExists;
      return r;
    }
    const Token& op = Next();
    Status st;
    switch (op.kind) {
      case Tok::kEquals:
      case Tok::kDoubleEquals:
        r.op = LabelOperator::kEquals;
        st = ExactValue(r);
        break;
      case Tok::kNotEquals:
        r.op = LabelOperator::kNotEquals;
        st = ExactValue(r);
        break;
      case Tok::kGreater:
      case Tok::kLess:
        r.op = op.kind == Tok::kGreater ? LabelOperator::kGreaterThan : LabelOperator::kLessThan;
        st = IntegerValue(r, op.text);
        break;
      case Tok::kIn:
      case Tok::kNotIn:
        r.op = op.kind == Tok::kIn ? LabelOperator::kIn : LabelOperator::kNotIn;
        st = ValueSet(r, op.text);
        break;
      default:
        return Unexpected(op, "an operator (=, ==, !=, in, notin, >, <), \",\" or the end");
    }
    if (!st.ok()) return st;
    return r;
  }

  Status AddValue(LabelRequirement& r, const std::string& value, size_t column) {
    if (Status st = ValidateLabelValue(value); !st.ok()) return AtColumn(column, st);
    auto at = std::lower_bound(r.values.begin(), r.values.end(), value);
    if (at == r.values.end() || *at != value) r.values.insert(at, value);
    return Status::Ok();
  }

  // "a=" means the empty value, as in Kubernetes.
  Status ExactValue(LabelRequirement& r) {
    if (Peek().kind == Tok::kEnd || Peek().kind == Tok::kComma) {
      return AddValue(r, "", Peek().column);
    }
    const Token& v = Next();
    if (!IsWord(v)) return Unexpected(v, "a value");
    return AddValue(r, v.text, v.column);
  }

  Status IntegerValue(LabelRequirement& r, const std::string& op) {
    const Token& v = Next();
    if (!IsWord(v)) return Unexpected(v, "an integer");
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
    if (ec != std::errc() || end != v.text.data() + v.text.size()) {
      return Status::Invalid("invalid value " + GoQuote(v.text) + " at column " +
                             std::to_string(v.column) + ": " + GoQuote(op) + " needs an integer");
    }
    return AddValue(r, v.text, v.column);
  }

  // "(" values ")": values are comma-separated and may be empty ("()", "(a,)").
  Status ValueSet(LabelRequirement& r, const std::string& op) {
    const Token& open = Next();
    if (open.kind != Tok::kOpen) return Unexpected(open, "\"(\" after " + GoQuote(op));
    bool want_value = true;  // at the start, or right after a comma
    while (true) {
      const Token& t = Next();
      if (t.kind == Tok::kClose || t.kind == Tok::kComma) {
        if (want_value) CARA_RETURN_IF_ERROR(AddValue(r, "", t.column));
        if (t.kind == Tok::kClose) return Status::Ok();
        want_value = true;
      } else if (IsWord(t) && want_value) {
        CARA_RETURN_IF_ERROR(AddValue(r, t.text, t.column));
        want_value = false;
      } else {
        return Unexpected(t, want_value ? "a value, \",\" or \")\"" : "\",\" or \")\"");
      }
    }
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

bool HasValue(const LabelRequirement& r, const std::string& value) {
  return std::binary_search(r.values.begin(), r.values.end(), value);
}

bool CompareInteger(const LabelRequirement& r, const std::string& label) {
  int64_t have = 0;
  int64_t want = 0;
  auto [end, ec] = std::from_chars(label.data(), label.data() + label.size(), have);
  if (ec != std::errc() || end != label.data() + label.size() || r.values.size() != 1) {
    return false;
  }
  std::from_chars(r.values[0].data(), r.values[0].data() + r.values[0].size(), want);
  return r.op == LabelOperator::kGreaterThan ? have > want : have < want;
}

}  // namespace

bool LabelRequirement::Matches(const StringMap& labels) const {
  auto it = labels.find(key);
  bool present = it != labels.end();
  switch (op) {
    case LabelOperator::kEquals:
    case LabelOperator::kIn:
      return present && HasValue(*this, it->second);
    case LabelOperator::kNotEquals:
    case LabelOperator::kNotIn:
      return !present || !HasValue(*this, it->second);
    case LabelOperator::kExists:
      return present;
    case LabelOperator::kDoesNotExist:
      return !present;
    case LabelOperator::kGreaterThan:
    case LabelOperator::kLessThan:
      return present && CompareInteger(*this, it->second);
  }
  return false;
}

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  auto requirements = Parser(text).Run();
  if (!requirements.ok()) return requirements.status();
  LabelSelector selector;
  selector.requirements_ = std::move(*requirements);
  return selector;
}

bool LabelSelector::Matches(const StringMap& labels) const {
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const LabelRequirement& r) { return r.Matches(labels); });
}

}  // namespace cara::api

#include "compose/schema_pattern.hpp"

#include <bitset>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace aic::compose {

class SchemaPattern::Impl {
public:
  /// Throws std::runtime_error on syntax outside the subset (the schema is ours: a build bug).
  explicit Impl(std::string_view source) : source_(source) {
    constexpr std::string_view kMeta = "\\.^$|?*+()[]{}";
    if (source.starts_with('^') && source.find_first_of(kMeta, 1) == std::string_view::npos) {
      literal_prefix_ = std::string(source.substr(1));
      return;
    }
    std::size_t pos = 0;
    Ast ast = parse_alternation(pos);
    if (pos != source_.size()) {
      fail("unexpected ')'");
    }
    emit(ast);
    program_.push_back(Inst{Op::Match, 0, 0});
  }

  const std::string& source() const { return source_; }

  bool search(std::string_view text) const {
    if (literal_prefix_) {
      return text.starts_with(*literal_prefix_);
    }
    std::vector<int> current;
    std::vector<int> next;
    std::vector<std::size_t> seen(program_.size(), std::string_view::npos);
    std::vector<int> stack;
    for (std::size_t at = 0;; ++at) {
      // A new thread at every position makes the search unanchored.
      if (add_thread(current, seen, stack, 0, at, text.size())) {
        return true;
      }
      if (at == text.size()) {
        return false;
      }
      next.clear();
      const auto byte = static_cast<unsigned char>(text[at]);
      for (int pc : current) {
        const Inst& inst = program_[static_cast<std::size_t>(pc)];
        if (inst.op == Op::Consume && classes_[static_cast<std::size_t>(inst.a)].test(byte) &&
            add_thread(next, seen, stack, pc + 1, at + 1, text.size())) {
          return true;
        }
      }
      std::swap(current, next);
    }
  }

private:
  enum class Op : std::uint8_t { Consume, Split, Jump, Begin, End, Match };
  struct Inst {
    Op op;
    int a; // Consume: class index; Split/Jump: target
    int b; // Split: second target
  };
  enum class Kind : std::uint8_t { Class, Begin, End, Concat, Alternation, Star, Plus, Optional };
  struct Ast {
    Kind kind = Kind::Concat;
    int cls = -1;
    std::vector<Ast> children;
  };

  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("pattern \"" + source_ + "\": " + why);
  }

  Ast parse_alternation(std::size_t& pos) {
    Ast alt{Kind::Alternation, -1, {}};
    alt.children.push_back(parse_concat(pos));
    while (pos < source_.size() && source_[pos] == '|') {
      ++pos;
      alt.children.push_back(parse_concat(pos));
    }
    return alt.children.size() == 1 ? std::move(alt.children.front()) : alt;
  }

  Ast parse_concat(std::size_t& pos) {
    Ast seq{Kind::Concat, -1, {}};
    while (pos < source_.size() && source_[pos] != '|' && source_[pos] != ')') {
      Ast atom = parse_atom(pos);
      while (pos < source_.size() &&
             (source_[pos] == '*' || source_[pos] == '+' || source_[pos] == '?')) {
        const char q = source_[pos++];
        const Kind kind = q == '*' ? Kind::Star : q == '+' ? Kind::Plus : Kind::Optional;
        Ast wrapped{kind, -1, {}};
        wrapped.children.push_back(std::move(atom));
        atom = std::move(wrapped);
      }
      seq.children.push_back(std::move(atom));
    }
    return seq;
  }

  Ast parse_atom(std::size_t& pos) {
    const char c = source_[pos++];
    switch (c) {
    case '(': {
      if (pos < source_.size() && source_[pos] == '?') {
        fail("(?...) groups are not supported");
      }
      Ast inner = parse_alternation(pos);
      if (pos >= source_.size() || source_[pos] != ')') {
        fail("missing ')'");
      }
      ++pos;
      return inner;
    }
    case '[':
      return Ast{Kind::Class, parse_class(pos), {}};
    case '.': {
      std::bitset<256> any;
      any.set();
      any.reset('\n');
      return Ast{Kind::Class, add_class(any), {}};
    }
    case '^':
      return Ast{Kind::Begin, -1, {}};
    case '$':
      return Ast{Kind::End, -1, {}};
    case '\\': {
      std::bitset<256> one;
      one.set(static_cast<unsigned char>(escaped(pos)));
      return Ast{Kind::Class, add_class(one), {}};
    }
    case '*':
    case '+':
    case '?':
    case '{':
    case '}':
    case ']':
      fail(std::string("unexpected '") + c + "'");
    default: {
      std::bitset<256> one;
      one.set(static_cast<unsigned char>(c));
      return Ast{Kind::Class, add_class(one), {}};
    }
    }
  }

  // Only escapes of punctuation: \d, \w and friends are not used by the schema.
  char escaped(std::size_t& pos) {
    if (pos >= source_.size()) {
      fail("trailing '\\'");
    }
    const char c = source_[pos++];
    if (std::isalnum(static_cast<unsigned char>(c))) {
      fail(std::string("escape \\") + c + " is not supported");
    }
    return c;
  }

  int parse_class(std::size_t& pos) {
    std::bitset<256> set;
    const bool negate = pos < source_.size() && source_[pos] == '^';
    pos += negate ? 1 : 0;
    bool first = true;
    while (pos < source_.size() && (source_[pos] != ']' || first)) {
      first = false;
      char lo = source_[pos++];
      if (lo == '\\') {
        lo = escaped(pos);
      }
      char hi = lo;
      if (pos + 1 < source_.size() && source_[pos] == '-' && source_[pos + 1] != ']') {
        hi = source_[pos + 1];
        pos += 2;
        if (hi == '\\') {
          hi = escaped(pos);
        }
        if (static_cast<unsigned char>(hi) < static_cast<unsigned char>(lo)) {
          fail("bad range in class");
        }
      }
      for (unsigned ch = static_cast<unsigned char>(lo); ch <= static_cast<unsigned char>(hi);
           ++ch) {
        set.set(ch);
      }
    }
    if (pos >= source_.size()) {
      fail("missing ']'");
    }
    ++pos;
    return add_class(negate ? ~set : set);
  }

  int add_class(const std::bitset<256>& set) {
    classes_.push_back(set);
    return static_cast<int>(classes_.size() - 1);
  }

  int here() const { return static_cast<int>(program_.size()); }

  std::size_t placeholder(Op op) {
    program_.push_back(Inst{op, 0, 0});
    return program_.size() - 1;
  }

  void emit(const Ast& ast) {
    switch (ast.kind) {
    case Kind::Class:
      program_.push_back(Inst{Op::Consume, ast.cls, 0});
      return;
    case Kind::Begin:
      program_.push_back(Inst{Op::Begin, 0, 0});
      return;
    case Kind::End:
      program_.push_back(Inst{Op::End, 0, 0});
      return;
    case Kind::Concat:
      for (const auto& child : ast.children) {
        emit(child);
      }
      return;
    case Kind::Alternation: {
      // split L1, next; L1: a; jump end; next: split L2, next; ... last alternative.
      std::vector<std::size_t> jumps;
      for (std::size_t i = 0; i < ast.children.size(); ++i) {
        if (i + 1 == ast.children.size()) {
          emit(ast.children[i]);
          break;
        }
        const std::size_t split = placeholder(Op::Split);
        program_[split].a = here();
        emit(ast.children[i]);
        jumps.push_back(placeholder(Op::Jump));
        program_[split].b = here();
      }
      for (std::size_t jump : jumps) {
        program_[jump].a = here();
      }
      return;
    }
    case Kind::Star: {
      const std::size_t split = placeholder(Op::Split);
      program_[split].a = here();
      emit(ast.children.front());
      program_.push_back(Inst{Op::Jump, static_cast<int>(split), 0});
      program_[split].b = here();
      return;
    }
    case Kind::Plus: {
      const int start = here();
      emit(ast.children.front());
      program_.push_back(Inst{Op::Split, start, here() + 1});
      return;
    }
    case Kind::Optional: {
      const std::size_t split = placeholder(Op::Split);
      program_[split].a = here();
      emit(ast.children.front());
      program_[split].b = here();
      return;
    }
    }
  }

  // Adds `pc` and everything reachable from it without consuming; true when Match is reached.
  bool add_thread(std::vector<int>& list, std::vector<std::size_t>& seen, std::vector<int>& stack,
                  int pc, std::size_t at, std::size_t size) const {
    stack.assign(1, pc);
    while (!stack.empty()) {
      const int p = stack.back();
      stack.pop_back();
      auto& mark = seen[static_cast<std::size_t>(p)];
      if (mark == at) {
        continue;
      }
      mark = at;
      const Inst& inst = program_[static_cast<std::size_t>(p)];
      switch (inst.op) {
      case Op::Match:
        return true;
      case Op::Consume:
        list.push_back(p);
        break;
      case Op::Jump:
        stack.push_back(inst.a);
        break;
      case Op::Split:
        stack.push_back(inst.b);
        stack.push_back(inst.a);
        break;
      case Op::Begin:
        if (at == 0) {
          stack.push_back(p + 1);
        }
        break;
      case Op::End:
        if (at == size) {
          stack.push_back(p + 1);
        }
        break;
      }
    }
    return false;
  }

  std::string source_;
  std::optional<std::string> literal_prefix_; // "^x-" is checked on nearly every key
  std::vector<std::bitset<256>> classes_;
  std::vector<Inst> program_;
};

SchemaPattern::SchemaPattern(std::string_view source) : impl_(std::make_unique<Impl>(source)) {}
SchemaPattern::SchemaPattern(SchemaPattern&&) noexcept = default;
SchemaPattern& SchemaPattern::operator=(SchemaPattern&&) noexcept = default;
SchemaPattern::~SchemaPattern() = default;

const std::string& SchemaPattern::source() const {
  return impl_->source();
}

bool SchemaPattern::search(std::string_view text) const {
  return impl_->search(text);
}

} // namespace aic::compose

#include "cli/args.hpp"

#include <algorithm>

namespace aic::cli {

std::optional<std::string> ParsedArgs::last(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) {
    return std::nullopt;
  }
  return it->second.back();
}

std::vector<std::string> ParsedArgs::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

Result<ParsedArgs> parse_args(const std::vector<std::string>& args,
                              const std::vector<FlagSpec>& specs, std::size_t flags_before) {
  ParsedArgs out;
  auto by_long = [&](std::string_view name) -> const FlagSpec* {
    auto it = std::find_if(specs.begin(), specs.end(),
                           [&](const FlagSpec& s) { return s.long_name == name; });
    return it == specs.end() ? nullptr : &*it;
  };
  auto by_short = [&](char c) -> const FlagSpec* {
    auto it = std::find_if(specs.begin(), specs.end(),
                           [&](const FlagSpec& s) { return s.short_name == c; });
    return it == specs.end() ? nullptr : &*it;
  };
  auto usage = [](std::string message) {
    return unexpected(Error(ErrorCode::InvalidSpec, std::move(message)));
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (out.positionals().size() >= flags_before) {
      out.add_positional(a);
      continue;
    }
    if (a == "--") {
      for (++i; i < args.size(); ++i) {
        out.add_positional(args[i]);
      }
      break;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2);
      std::optional<std::string> inline_value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name.resize(eq);
      }
      const FlagSpec* spec = by_long(name);
      if (!spec) {
        return usage("unknown flag: --" + name);
      }
      if (!spec->takes_value) {
        if (inline_value && *inline_value != "true" && *inline_value != "false") {
          return usage("flag --" + name + " takes no value");
        }
        if (!inline_value || *inline_value == "true") {
          out.add(spec->long_name, "true");
        }
        continue;
      }
      if (inline_value) {
        out.add(spec->long_name, *inline_value);
      } else if (i + 1 < args.size()) {
        out.add(spec->long_name, args[++i]);
      } else {
        return usage("flag needs an argument: --" + name);
      }
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      for (std::size_t j = 1; j < a.size(); ++j) {
        const FlagSpec* spec = by_short(a[j]);
        if (!spec) {
          return usage(std::string("unknown shorthand flag: '") + a[j] + "' in " + a);
        }
        if (!spec->takes_value) {
          out.add(spec->long_name, "true");
          continue;
        }
        if (j + 1 < a.size()) {
          std::string value = a.substr(j + 1);
          if (!value.empty() && value[0] == '=') {
            value.erase(0, 1);
          }
          out.add(spec->long_name, value);
        } else if (i + 1 < args.size()) {
          out.add(spec->long_name, args[++i]);
        } else {
          return usage(std::string("flag needs an argument: '") + a[j] + "' in " + a);
        }
        break;
      }
      continue;
    }
    out.add_positional(a);
  }
  return out;
}

std::string format_flags(const std::vector<FlagSpec>& specs) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::size_t width = 0;
  for (const auto& s : specs) {
    std::string left = s.short_name ? std::string("  -") + s.short_name + ", " : "      ";
    left += "--" + s.long_name;
    if (s.takes_value) {
      left += " " + (s.value_name.empty() ? std::string("string") : s.value_name);
    }
    width = std::max(width, left.size());
    rows.emplace_back(std::move(left), s.help);
  }
  std::string out;
  for (const auto& [left, help] : rows) {
    out += left + std::string(width - left.size() + 3, ' ') + help + "\n";
  }
  return out;
}

} // namespace aic::cli

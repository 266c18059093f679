#include "compose/short_syntax.hpp"

#include "compose/diagnostic.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cstdint>
#include <numeric>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace aic::compose {
namespace {

constexpr int kMaxPort = 65535;

Error invalid_spec(std::string message) {
  return Error(ErrorCode::InvalidSpec, std::move(message));
}

// ---- ports ------------------------------------------------------------------------------------

struct PortRange {
  int start = 0;
  int end = 0;
};

/// One port number as go-connections reads it (strconv.ParseInt, then 0–65535); `range_text` is
/// the range it came from, named in the error.
Result<int> parse_port_number(std::string_view text, std::string_view range_text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') {
    digits.remove_prefix(1);
  }
  const bool well_formed = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!well_formed) {
    return invalid_spec("invalid port " + quote_for_message(range_text));
  }
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value > kMaxPort) {
    return invalid_spec("port " + std::string(text) + " out of range");
  }
  return static_cast<int>(value);
}

/// "80" or "8000-8010" (the end not below the start).
Result<PortRange> parse_port_range(std::string_view text) {
  const std::size_t dash = text.find('-');
  const std::string_view start_text = text.substr(0, dash);
  Result<int> start = parse_port_number(start_text, text);
  if (!start) {
    return std::move(start).error();
  }
  if (dash == std::string_view::npos || start_text == text.substr(dash + 1)) {
    return PortRange{*start, *start};
  }
  Result<int> end = parse_port_number(text.substr(dash + 1), text);
  if (!end) {
    return std::move(end).error();
  }
  if (*end < *start) {
    return invalid_spec("invalid port range " + quote_for_message(text));
  }
  return PortRange{*start, *end};
}

/// Go's net.ParseIP: dotted IPv4 or IPv6 text, no zone.
bool is_ip_address(const std::string& ip) {
  if (ip.find('\0') != std::string::npos) {
    return false;
  }
  std::array<unsigned char, 16> addr{};
  return inet_pton(AF_INET, ip.c_str(), addr.data()) == 1 ||
         inet_pton(AF_INET6, ip.c_str(), addr.data()) == 1;
}

/// The host ip without IPv6 brackets, validated; "" stays "".
Result<std::string> parse_host_ip(std::string_view raw) {
  std::string_view ip = raw;
  if (!ip.empty() && ip.front() == '[') {
    // As net.SplitHostPort(ip + ":"): the whole text is "[" host "]", host free of brackets.
    const std::string_view inner = ip.substr(1, ip.size() >= 2 ? ip.size() - 2 : 0);
    if (ip.size() < 2 || ip.back() != ']' || inner.find_first_of("[]") != std::string_view::npos) {
      return invalid_spec("invalid IP address " + quote_for_message(raw));
    }
    ip = inner;
  }
  std::string out(ip);
  if (!out.empty() && !is_ip_address(out)) {
    return invalid_spec("invalid IP address " + quote_for_message(raw));
  }
  return out;
}

// ---- volumes ----------------------------------------------------------------------------------

bool is_propagation(std::string_view option) {
  return option == "rprivate" || option == "private" || option == "rshared" || option == "shared" ||
         option == "rslave" || option == "slave";
}

void apply_volume_options(std::string_view options, VolumeSpec& volume) {
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = options.find(',', begin);
    const std::string_view option = options.substr(begin, comma - begin);
    if (option == "ro") {
      volume.read_only = true;
    } else if (option == "rw") {
      volume.read_only = false;
    } else if (option == "nocopy") {
      volume.nocopy = true;
    } else if (option == "z" || option == "Z") {
      volume.selinux = std::string(option);
    } else if (is_propagation(option)) {
      volume.propagation = std::string(option);
    } else {
      volume.ignored_options.emplace_back(option);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    begin = comma + 1;
  }
}

bool is_bind_source(std::string_view source) {
  if (source.empty()) {
    return false;
  }
  return source.front() == '.' || source.front() == '/' || source.front() == '~' ||
         source.substr(0, 2) == "\\\\";
}

/// The colon-separated fields of a volume spec; ':' inside `${…}` does not split.
struct VolumeFields {
  std::vector<std::string_view> fields;
  /// False when the text ends inside an unterminated `${`: compose-go then never stores the
  /// last field, and the fields read so far are all followed by a colon.
  bool last_is_end = true;
};

VolumeFields split_volume_fields(std::string_view spec) {
  VolumeFields out;
  int depth = 0;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    const char c = spec[i];
    if (c == '$' && i + 1 < spec.size() && spec[i + 1] == '{') {
      ++depth;
    } else if (c == '}' && depth > 0) {
      --depth;
    } else if (c == ':' && depth == 0) {
      out.fields.push_back(spec.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  if (depth == 0) {
    out.fields.push_back(spec.substr(begin));
  } else {
    out.last_is_end = false;
  }
  return out;
}

} // namespace

Result<void> check_published_port(std::string_view text) {
  Result<PortRange> range = parse_port_range(text);
  if (!range) {
    return std::move(range).error();
  }
  return {};
}

Result<std::vector<PortSpec>> parse_port(std::string_view spec) {
  // [ip:][host:]container: the last two colons split; everything before them is the ip, so that
  // an unbracketed IPv6 address ("::1:80:80") works.
  std::string_view raw_ip;
  std::string_view host;
  std::string_view container = spec;
  if (const std::size_t last = spec.rfind(':'); last != std::string_view::npos) {
    container = spec.substr(last + 1);
    const std::size_t before = last == 0 ? std::string_view::npos : spec.rfind(':', last - 1);
    if (before == std::string_view::npos) {
      host = spec.substr(0, last);
    } else {
      raw_ip = spec.substr(0, before);
      host = spec.substr(before + 1, last - before - 1);
    }
  }

  const std::size_t slash = container.find('/');
  const std::string_view port_text = container.substr(0, slash);
  if (port_text.empty()) {
    return invalid_spec("invalid port " + quote_for_message(spec) + ": no container port");
  }
  std::string protocol = "tcp";
  if (slash != std::string_view::npos && slash + 1 < container.size()) {
    protocol.assign(container.substr(slash + 1));
    std::transform(protocol.begin(), protocol.end(), protocol.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
  }
  if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
    return invalid_spec("invalid protocol " + quote_for_message(container.substr(slash + 1)));
  }

  Result<std::string> host_ip = parse_host_ip(raw_ip);
  if (!host_ip) {
    return std::move(host_ip).error();
  }
  Result<PortRange> target = parse_port_range(port_text);
  if (!target) {
    return std::move(target).error();
  }
  PortRange published{0, 0};
  if (!host.empty()) {
    Result<PortRange> parsed = parse_port_range(host);
    if (!parsed) {
      return std::move(parsed).error();
    }
    published = *parsed;
    const bool target_is_range = target->end != target->start;
    if (target_is_range && target->end - target->start != published.end - published.start) {
      return invalid_spec("host and container port ranges differ in length: " +
                          quote_for_message(spec));
    }
  }

  const int count = target->end - target->start + 1;
  // compose-go orders the mappings by their "port/proto" key as text: "10/tcp" before "9/tcp".
  std::vector<std::string> keys(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    keys[static_cast<std::size_t>(i)] = std::to_string(target->start + i);
  }
  std::vector<int> offsets(keys.size());
  std::iota(offsets.begin(), offsets.end(), 0);
  std::sort(offsets.begin(), offsets.end(), [&keys](int a, int b) {
    return keys[static_cast<std::size_t>(a)] < keys[static_cast<std::size_t>(b)];
  });
  std::vector<PortSpec> ports;
  ports.reserve(offsets.size());
  for (const int i : offsets) {
    PortSpec port;
    port.host_ip = *host_ip;
    port.target = target->start + i;
    if (!host.empty()) {
      port.published = std::to_string(published.start + i);
      if (count == 1 && published.start != published.end) {
        port.published += "-" + std::to_string(published.end);
      }
    }
    port.protocol = protocol;
    ports.push_back(std::move(port));
  }
  return ports;
}

Result<VolumeSpec> parse_volume(std::string_view spec) {
  if (spec.empty()) {
    return invalid_spec("empty volume specification");
  }
  VolumeSpec volume;
  if (spec.size() <= 2) {
    // compose-go takes any one- or two-character spec for an anonymous volume's target.
    volume.target = std::string(spec);
  } else {
    // Field by field as compose-go does, so that a spec with several faults reports the first.
    const VolumeFields split = split_volume_fields(spec);
    for (std::size_t i = 0; i < split.fields.size(); ++i) {
      const std::string_view field = split.fields[i];
      const bool at_end = split.last_is_end && i + 1 == split.fields.size();
      if (field.empty()) {
        return invalid_spec("invalid volume specification " + quote_for_message(spec) +
                            ": empty section between colons");
      }
      if (volume.source.empty() && at_end) {
        volume.target = std::string(field);
      } else if (volume.source.empty()) {
        volume.source = std::string(field);
      } else if (volume.target.empty()) {
        volume.target = std::string(field);
      } else if (!at_end) {
        return invalid_spec("invalid volume specification " + quote_for_message(spec) +
                            ": too many colons");
      } else {
        apply_volume_options(field, volume);
      }
    }
  }

  if (is_bind_source(volume.source)) {
    volume.type = "bind";
    volume.create_host_path = true;
  } else {
    volume.type = "volume";
  }
  if (!volume.target.empty()) {
    volume.target = clean_path(volume.target);
  }
  if (volume.target.empty() || volume.target.front() != '/') {
    return invalid_spec("volume target " + quote_for_message(volume.target) +
                        " must be an absolute path");
  }
  return volume;
}

std::string clean_path(std::string_view path) {
  if (path.empty()) {
    return ".";
  }
  const bool rooted = path.front() == '/';
  std::string out;
  out.reserve(path.size());
  std::size_t r = 0;
  std::size_t dotdot = 0; // out[:dotdot] cannot be backtracked over
  if (rooted) {
    out += '/';
    r = 1;
    dotdot = 1;
  }
  const std::size_t n = path.size();
  while (r < n) {
    if (path[r] == '/') {
      ++r;
    } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
      ++r;
    } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
      r += 2;
      if (out.size() > dotdot) {
        std::size_t w = out.size() - 1;
        while (w > dotdot && out[w] != '/') {
          --w;
        }
        out.resize(w);
      } else if (!rooted) {
        if (!out.empty()) {
          out += '/';
        }
        out += "..";
        dotdot = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) {
        out += '/';
      }
      for (; r < n && path[r] != '/'; ++r) {
        out += path[r];
      }
    }
  }
  if (out.empty()) {
    return ".";
  }
  return out;
}

} // namespace aic::compose

// libFuzzer target for everything the engine client parses from the engine or from disk: the
// JSON decoders of wire.hpp, the JSON object splitter, the frame demuxer, config.json, image
// references and API versions. The first byte picks the parser (modulo kTargetCount), the rest
// is its input. The two stream targets read one more byte, n: its low 4 bits are how many
// chunk-size bytes follow (the stream is fed in pieces of those sizes, cycled; 0 is an empty
// feed), its high 4 bits set the splitter's object limit. What follows is the stream.
// A broken invariant prints what broke and aborts; exceptions are not caught, so one escaping a
// parser is a crash too.

#include "engine/api_version.hpp"
#include "engine/base64.hpp"
#include "engine/image_ref.hpp"
#include "engine/json_stream.hpp"
#include "engine/multiplex.hpp"
#include "engine/registry_auth.hpp"
#include "engine/wire.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace aic::engine {
namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_engine_decoders: invariant broken: %s\n", what);
    std::abort();
  }
}

// RFC 3629 well-formedness, written independently of wire_json.cpp's excerpt code.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if ((b & 0xE0) == 0xC0) {
      n = 1;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (c & 0x3F);
    }
    constexpr std::uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// The decoders' error contract (wire.hpp): EngineUnavailable, a fixed prefix, valid UTF-8.
template <typename T>
void check_decoded(const Result<T>& result) {
  if (result) {
    return;
  }
  const Error& error = result.error();
  check(error.code() == ErrorCode::EngineUnavailable, "decoder error is not EngineUnavailable");
  check(error.message().starts_with("unexpected engine response: "),
        "decoder error lacks the 'unexpected engine response: ' prefix");
  check(valid_utf8(error.message()), "decoder error message is not valid UTF-8");
}

template <typename T>
void run_decoder(Result<T> (*decode)(std::string_view), std::string_view body) {
  check_decoded(decode(body));
}

// Where a stream target's input is split: sizes cycled over the stream; 0 is an empty feed.
struct Chunking {
  std::vector<std::uint8_t> sizes;
  unsigned limit_code = 0; // the high 4 bits of the control byte
  std::string_view stream;
};

Chunking read_chunking(std::string_view rest) {
  Chunking chunking;
  if (rest.empty()) {
    return chunking;
  }
  const auto control = static_cast<std::uint8_t>(rest[0]);
  rest.remove_prefix(1);
  const std::size_t count = std::min<std::size_t>(control & 0x0F, rest.size());
  for (std::size_t i = 0; i < count; ++i) {
    chunking.sizes.push_back(static_cast<std::uint8_t>(rest[i]));
  }
  chunking.limit_code = control >> 4;
  chunking.stream = rest.substr(count);
  return chunking;
}

// Calls feed(piece) for consecutive pieces covering `stream`; the pieces' sizes come from
// `sizes`, and a whole cycle of zeros feeds the rest at once.
template <typename Feed>
void feed_in_pieces(std::string_view stream, const std::vector<std::uint8_t>& sizes, Feed&& feed) {
  if (sizes.empty()) {
    feed(stream);
    return;
  }
  std::size_t index = 0;
  std::size_t since_progress = 0;
  while (!stream.empty()) {
    std::size_t take = std::min<std::size_t>(sizes[index], stream.size());
    index = (index + 1) % sizes.size();
    since_progress = take == 0 ? since_progress + 1 : 0;
    if (since_progress > sizes.size()) {
      take = stream.size();
      since_progress = 0;
    }
    feed(stream.substr(0, take));
    stream.remove_prefix(take);
  }
}

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

struct SplitOutcome {
  std::vector<std::string> objects;
  bool feed_ok = true;
  bool finish_ok = true;
};

// A whole-input reference for JsonObjectSplitter's documented behaviour.
SplitOutcome reference_split(std::string_view input, std::size_t limit) {
  SplitOutcome out;
  std::size_t depth = 0;
  std::size_t start = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (depth == 0) {
      if (is_json_space(c)) {
        continue;
      }
      if (c != '{') {
        out.feed_ok = false;
        break;
      }
      depth = 1;
      start = i;
      continue;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      if (i + 1 - start > limit) {
        out.feed_ok = false;
        break;
      }
      out.objects.emplace_back(input.substr(start, i + 1 - start));
    }
  }
  if (out.feed_ok && depth > 0 && input.size() - start > limit) {
    out.feed_ok = false;
  }
  out.finish_ok = out.feed_ok && depth == 0;
  return out;
}

SplitOutcome split(const Chunking& chunking, std::size_t limit, bool in_pieces) {
  SplitOutcome out;
  JsonObjectSplitter splitter(limit);
  const auto feed = [&](std::string_view piece) {
    const std::size_t before = out.objects.size();
    const bool was_ok = out.feed_ok;
    if (!splitter.feed(piece, out.objects)) {
      out.feed_ok = false;
    }
    check(was_ok || out.objects.size() == before, "splitter appended objects after a failure");
    check(was_ok || !out.feed_ok, "splitter feed succeeded after a failure");
  };
  if (in_pieces) {
    feed_in_pieces(chunking.stream, chunking.sizes, feed);
  } else {
    feed(chunking.stream);
  }
  out.finish_ok = static_cast<bool>(splitter.finish());
  check(out.feed_ok || !out.finish_ok, "splitter finish succeeded after a failed feed");
  return out;
}

void fuzz_json_splitter(std::string_view rest) {
  const Chunking chunking = read_chunking(rest);
  const std::size_t limit =
      chunking.limit_code == 0 ? std::size_t{1} << 20 : std::size_t{chunking.limit_code} * 48;
  const SplitOutcome pieces = split(chunking, limit, /*in_pieces=*/true);
  const SplitOutcome whole = split(chunking, limit, /*in_pieces=*/false);
  const SplitOutcome expected = reference_split(chunking.stream, limit);

  // Each object is the next non-whitespace run of the input, braces at both ends.
  std::size_t pos = 0;
  for (const std::string& object : pieces.objects) {
    check(object.size() >= 2 && object.front() == '{' && object.back() == '}',
          "splitter object is not {...}");
    check(object.size() <= limit, "splitter object exceeds the limit");
    while (pos < chunking.stream.size() && is_json_space(chunking.stream[pos])) {
      ++pos;
    }
    check(chunking.stream.compare(pos, object.size(), object) == 0,
          "splitter object is not the next run of the input");
    pos += object.size();
  }
  check(pieces.objects == whole.objects, "splitter objects depend on chunk boundaries");
  check(pieces.feed_ok == whole.feed_ok && pieces.finish_ok == whole.finish_ok,
        "splitter outcome depends on chunk boundaries");
  check(whole.objects == expected.objects, "splitter objects differ from the reference");
  check(whole.feed_ok == expected.feed_ok && whole.finish_ok == expected.finish_ok,
        "splitter outcome differs from the reference");

  // What the client does with them: decode each as a progress message and as an event.
  for (const std::string& object : pieces.objects) {
    check_decoded(decode_progress_message(object));
    check_decoded(decode_engine_event(object));
  }
}

struct DemuxOutcome {
  std::vector<OutputChunk> chunks;
  bool ok = true;
  bool mid_frame = false;
};

// A whole-input reference demux: one chunk per frame with a non-empty payload.
DemuxOutcome reference_demux(std::string_view input) {
  DemuxOutcome out;
  std::size_t pos = 0;
  while (input.size() - pos >= 8) {
    const auto* h = reinterpret_cast<const unsigned char*>(input.data() + pos);
    if (h[0] > 3 || h[1] != 0 || h[2] != 0 || h[3] != 0) {
      out.ok = false;
      return out;
    }
    const std::size_t size = (std::size_t{h[4]} << 24) | (std::size_t{h[5]} << 16) |
                             (std::size_t{h[6]} << 8) | std::size_t{h[7]};
    pos += 8;
    const std::size_t take = std::min(size, input.size() - pos);
    if (take > 0) {
      out.chunks.push_back(
          OutputChunk{static_cast<StreamKind>(h[0]), std::string(input.substr(pos, take))});
    }
    pos += take;
    if (take < size) {
      out.mid_frame = true;
      return out;
    }
  }
  out.mid_frame = pos < input.size();
  return out;
}

// Adjacent chunks of one stream joined, so that chunkings of the same bytes compare equal.
std::vector<OutputChunk> merged(const std::vector<OutputChunk>& chunks) {
  std::vector<OutputChunk> out;
  for (const OutputChunk& chunk : chunks) {
    if (!out.empty() && out.back().stream == chunk.stream) {
      out.back().data += chunk.data;
    } else {
      out.push_back(chunk);
    }
  }
  return out;
}

DemuxOutcome demux(const Chunking& chunking, bool in_pieces) {
  DemuxOutcome out;
  FrameDemuxer demuxer;
  const auto feed = [&](std::string_view piece) {
    const std::size_t before = out.chunks.size();
    const bool was_ok = out.ok;
    if (!demuxer.feed(piece, out.chunks)) {
      out.ok = false;
    }
    check(was_ok || out.chunks.size() == before, "demuxer appended chunks after a failure");
    check(was_ok || !out.ok, "demuxer feed succeeded after a failure");
  };
  if (in_pieces) {
    feed_in_pieces(chunking.stream, chunking.sizes, feed);
  } else {
    feed(chunking.stream);
  }
  out.mid_frame = demuxer.mid_frame();
  return out;
}

void fuzz_frame_demuxer(std::string_view rest) {
  const Chunking chunking = read_chunking(rest);
  const DemuxOutcome pieces = demux(chunking, /*in_pieces=*/true);
  const DemuxOutcome whole = demux(chunking, /*in_pieces=*/false);
  const DemuxOutcome expected = reference_demux(chunking.stream);

  std::size_t total = 0;
  for (const OutputChunk& chunk : pieces.chunks) {
    check(!chunk.data.empty(), "demuxer emitted an empty chunk");
    check(static_cast<std::uint8_t>(chunk.stream) <= 3, "demuxer emitted an unknown stream");
    total += chunk.data.size();
  }
  check(total <= chunking.stream.size(), "demuxer emitted more payload than its input");
  check(whole.chunks == expected.chunks, "demuxer output differs from the reference");
  check(whole.ok == expected.ok && whole.mid_frame == expected.mid_frame,
        "demuxer outcome differs from the reference");
  check(merged(pieces.chunks) == merged(whole.chunks),
        "demuxer payload depends on chunk boundaries");
  check(pieces.ok == whole.ok && pieces.mid_frame == whole.mid_frame,
        "demuxer outcome depends on chunk boundaries");
}

// An X-Registry-* header must decode back to a JSON object.
nlohmann::json decode_header(const std::string& header) {
  const auto bytes = base64_decode(header, Base64Alphabet::Url);
  check(bytes.has_value(), "registry header is not base64url");
  nlohmann::json json = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  check(json.is_object(), "registry header is not a JSON object");
  return json;
}

void fuzz_docker_config(std::string_view body) {
  const Result<DockerConfig> config = DockerConfig::parse(body, "config.json");
  if (!config) {
    check(config.error().code() == ErrorCode::InvalidSpec, "config error is not InvalidSpec");
    check(config.error().message().starts_with("config.json: "), "config error lacks the file");
    return;
  }
  for (const auto& [key, auth] : config->auths()) {
    check(auth.server_address == key, "auth entry names another registry");
    check(!auth.username.empty() || !auth.password.empty() || !auth.identity_token.empty(),
          "auth entry without credentials");
    const auto found = config->find(key);
    check(found.has_value() && *found == auth, "find(key) misses an entry of auths()");
    const nlohmann::json header = decode_header(registry_auth_header(auth));
    check(header.contains("serveraddress"), "X-Registry-Auth lacks serveraddress");
  }
  check(decode_header(registry_config_header(*config)).size() == config->auths().size(),
        "X-Registry-Config does not hold every entry");
  const std::vector<std::string> helpers = config->helper_only_registries();
  check(std::is_sorted(helpers.begin(), helpers.end()) &&
            std::adjacent_find(helpers.begin(), helpers.end()) == helpers.end(),
        "helper_only_registries is not sorted and unique");
  for (const std::string_view key :
       {"https://index.docker.io/v1/", "docker.io", "registry.example.com", "localhost:5000"}) {
    (void)config->find(key);
  }
  (void)config->uses_credential_helpers();
}

void fuzz_image_ref(std::string_view body) {
  const Result<ImageRef> ref = parse_image_ref(body);
  if (!ref) {
    check(ref.error().code() == ErrorCode::InvalidSpec, "image ref error is not InvalidSpec");
    check(ref.error().message().starts_with("invalid image reference \""),
          "image ref error lacks its prefix");
    return;
  }
  check(!ref->domain.empty() && !ref->path.empty(), "image ref without domain or path");
  check(!ref->tag.empty() || !ref->digest.empty(), "image ref without tag and digest");
  check(ref->name().size() <= 255, "image ref name longer than 255");
  const Result<ImageRef> again = parse_image_ref(ref->str());
  check(again && *again == *ref, "parse_image_ref(str()) does not give the same reference");
  const auto [from_image, tag] = split_for_pull(*ref);
  check(from_image == ref->name() && !tag.empty(), "split_for_pull disagrees with the ref");
  (void)ref->familiar();
  (void)ref->registry_key();
}

void fuzz_api_version(std::string_view body) {
  const Result<ApiVersion> version = ApiVersion::parse(body);
  if (!version) {
    check(version.error().code() == ErrorCode::Internal, "API version error is not Internal");
    return;
  }
  const Result<ApiVersion> again = ApiVersion::parse(version->to_string());
  check(again && *again == *version, "ApiVersion::parse(to_string()) differs");
  const Result<ApiVersion> chosen = negotiate_api_version(*version, *version);
  check(!chosen || (*chosen >= kOldestApiVersion && *chosen <= kNewestApiVersion),
        "negotiated API version out of range");
}

void fuzz_engine_error_message(std::string_view body) {
  const std::string message = engine_error_message(body);
  check(message.size() <= kMaxEngineErrorMessageBytes, "engine error message too long");
  check(valid_utf8(message), "engine error message is not valid UTF-8");
}

using Target = void (*)(std::string_view);

// Append only: a seed's first byte is its index here.
constexpr Target kTargets[] = {
    [](std::string_view b) { run_decoder(decode_engine_version, b); },    // 0
    [](std::string_view b) { run_decoder(decode_engine_info, b); },       // 1
    [](std::string_view b) { run_decoder(decode_engine_event, b); },      // 2
    [](std::string_view b) { run_decoder(decode_created_id, b); },        // 3
    [](std::string_view b) { run_decoder(decode_container_list, b); },    // 4
    [](std::string_view b) { run_decoder(decode_container_inspect, b); }, // 5
    [](std::string_view b) { run_decoder(decode_container_wait, b); },    // 6
    [](std::string_view b) { run_decoder(decode_container_top, b); },     // 7
    [](std::string_view b) { run_decoder(decode_exec_inspect, b); },      // 8
    [](std::string_view b) { run_decoder(decode_network_inspect, b); },   // 9
    [](std::string_view b) { run_decoder(decode_network_list, b); },      // 10
    [](std::string_view b) { run_decoder(decode_volume_inspect, b); },    // 11
    [](std::string_view b) { run_decoder(decode_volume_list, b); },       // 12
    [](std::string_view b) { run_decoder(decode_image_list, b); },        // 13
    [](std::string_view b) { run_decoder(decode_image_inspect, b); },     // 14
    [](std::string_view b) { run_decoder(decode_progress_message, b); },  // 15
    fuzz_engine_error_message,                                            // 16
    fuzz_json_splitter,                                                   // 17
    fuzz_frame_demuxer,                                                   // 18
    fuzz_docker_config,                                                   // 19
    fuzz_image_ref,                                                       // 20
    fuzz_api_version,                                                     // 21
};
constexpr std::size_t kTargetCount = std::size(kTargets);

} // namespace
} // namespace aic::engine

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  aic::engine::kTargets[data[0] % aic::engine::kTargetCount](rest);
  return 0;
}

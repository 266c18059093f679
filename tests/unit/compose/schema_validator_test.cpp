#include "compose/schema_validator.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aic::compose {
namespace {

/// Reads the block-style YAML subset these tests are written in into a Node with real marks:
/// block mappings and sequences, `- key: value` items, one-line flow `[a, "b"]` and `{k: v}`,
/// quoted and plain scalars, `!reset`/`!override` tags and `#` comments. One leading newline is
/// dropped, so the text of a raw string literal starts at line 1.
class MiniYaml {
public:
  static Node parse(std::string_view text, std::string file = "f.yml") {
    MiniYaml reader(std::make_shared<const std::string>(std::move(file)));
    if (text.starts_with('\n')) {
      text.remove_prefix(1);
    }
    reader.split(text);
    Node root = reader.block(0);
    EXPECT_EQ(reader.pos_, reader.lines_.size()) << "MiniYaml stopped at an unexpected indent";
    return root;
  }

private:
  struct Line {
    int number = 0;
    std::size_t indent = 0;
    std::string text;
  };

  explicit MiniYaml(std::shared_ptr<const std::string> file) : file_(std::move(file)) {}

  Mark mark(int line, std::size_t column0) const {
    return Mark{file_, line, static_cast<int>(column0) + 1};
  }

  void split(std::string_view text) {
    int number = 0;
    while (!text.empty()) {
      ++number;
      const std::size_t end = text.find('\n');
      std::string line(text.substr(0, end));
      text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
      char quote = 0;
      for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote != 0) {
          quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '#' && (i == 0 || line[i - 1] == ' ')) {
          line.resize(i);
          break;
        }
      }
      while (!line.empty() && line.back() == ' ') {
        line.pop_back();
      }
      const std::size_t indent = line.find_first_not_of(' ');
      if (indent == std::string::npos) {
        continue;
      }
      lines_.push_back(Line{number, indent, line.substr(indent)});
    }
  }

  static bool is_dash(const std::string& text) { return text == "-" || text.starts_with("- "); }

  // The ':' that ends a mapping key, or npos when `text` is a scalar.
  static std::size_t key_colon(std::string_view text) {
    if (text.empty() || text[0] == '[' || text[0] == '{') {
      return std::string_view::npos;
    }
    std::size_t i = 0;
    if (text[0] == '"' || text[0] == '\'') {
      i = text.find(text[0], 1);
      if (i == std::string_view::npos) {
        return i;
      }
      ++i;
      return i < text.size() && text[i] == ':' ? i : std::string_view::npos;
    }
    for (; i < text.size(); ++i) {
      if (text[i] == ':' && (i + 1 == text.size() || text[i + 1] == ' ')) {
        return i;
      }
    }
    return std::string_view::npos;
  }

  static std::string unquote(std::string_view s) {
    if (s.size() >= 2 && (s[0] == '"' || s[0] == '\'') && s.back() == s[0]) {
      return std::string(s.substr(1, s.size() - 2));
    }
    return std::string(s);
  }

  Node block(std::size_t min_indent) {
    const Line& line = lines_[pos_];
    EXPECT_GE(line.indent, min_indent);
    return is_dash(line.text) ? sequence(line.indent) : mapping(line.indent);
  }

  Node sequence(std::size_t indent) {
    Node seq = Node::sequence(mark(lines_[pos_].number, indent));
    while (pos_ < lines_.size() && lines_[pos_].indent == indent && is_dash(lines_[pos_].text)) {
      Line& line = lines_[pos_];
      const std::size_t offset = line.text.find_first_not_of(' ', 1);
      if (offset == std::string::npos) {
        ++pos_;
        const bool nested = pos_ < lines_.size() && lines_[pos_].indent > indent;
        seq.items.push_back(nested ? block(indent + 1) : Node::null(mark(line.number, indent + 1)));
        continue;
      }
      const std::string rest = line.text.substr(offset);
      if (key_colon(rest) != std::string::npos) {
        // `- key: value`: the item is a mapping whose first key sits after the dash.
        line.indent += offset;
        line.text = rest;
        seq.items.push_back(mapping(line.indent));
        continue;
      }
      seq.items.push_back(scalar_or_flow(rest, line.number, indent + offset));
      ++pos_;
    }
    return seq;
  }

  Node mapping(std::size_t indent) {
    Node map = Node::mapping(mark(lines_[pos_].number, indent));
    while (pos_ < lines_.size() && lines_[pos_].indent == indent && !is_dash(lines_[pos_].text)) {
      const Line line = lines_[pos_++];
      const std::size_t colon = key_colon(line.text);
      EXPECT_NE(colon, std::string::npos) << "line " << line.number << ": expected `key:`";
      if (colon == std::string::npos) {
        continue;
      }
      std::string key = unquote(line.text.substr(0, colon));
      std::size_t at = line.text.find_first_not_of(' ', colon + 1);
      std::string rest = at == std::string::npos ? "" : line.text.substr(at);
      std::string tag;
      if (rest.starts_with('!')) {
        const std::size_t space = rest.find(' ');
        tag = rest.substr(0, space);
        at = space == std::string::npos ? std::string::npos
                                        : rest.find_first_not_of(' ', space) + at;
        rest = space == std::string::npos ? "" : line.text.substr(at);
      }
      Node value;
      if (!rest.empty()) {
        value = scalar_or_flow(rest, line.number, indent + at);
      } else if (pos_ < lines_.size() && lines_[pos_].indent > indent) {
        value = block(indent + 1);
      } else if (pos_ < lines_.size() && lines_[pos_].indent == indent &&
                 is_dash(lines_[pos_].text)) {
        value = sequence(indent);
      } else {
        value = Node::null(mark(line.number, indent + colon + 1));
      }
      value.tag = tag;
      map.entries.push_back(MapEntry{std::move(key), mark(line.number, indent), std::move(value)});
    }
    return map;
  }

  // Splits the inside of a one-line flow collection at top-level commas.
  static std::vector<std::pair<std::string, std::size_t>> flow_parts(std::string_view inner) {
    std::vector<std::pair<std::string, std::size_t>> parts;
    std::size_t start = 0;
    char quote = 0;
    for (std::size_t i = 0; i <= inner.size(); ++i) {
      const char c = i < inner.size() ? inner[i] : ',';
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == ',') {
        std::string_view part = inner.substr(start, i - start);
        const std::size_t lead = part.find_first_not_of(' ');
        if (lead != std::string_view::npos) {
          part = part.substr(lead, part.find_last_not_of(' ') - lead + 1);
          parts.emplace_back(std::string(part), start + lead);
        }
        start = i + 1;
      }
    }
    return parts;
  }

  Node scalar_or_flow(const std::string& text, int line, std::size_t column0) {
    if (text.starts_with('!')) {
      const std::size_t space = text.find(' ');
      const std::size_t at =
          space == std::string::npos ? space : text.find_first_not_of(' ', space);
      Node value = at == std::string::npos ? Node::null(mark(line, column0))
                                           : scalar_or_flow(text.substr(at), line, column0 + at);
      value.tag = text.substr(0, space);
      return value;
    }
    if (text.starts_with('[')) {
      EXPECT_TRUE(text.ends_with(']')) << "line " << line << ": one-line flow lists only";
      Node seq = Node::sequence(mark(line, column0));
      for (const auto& [part, at] : flow_parts(std::string_view(text).substr(1, text.size() - 2))) {
        seq.items.push_back(scalar_or_flow(part, line, column0 + 1 + at));
      }
      return seq;
    }
    if (text.starts_with('{')) {
      EXPECT_TRUE(text.ends_with('}')) << "line " << line << ": one-line flow mappings only";
      Node map = Node::mapping(mark(line, column0));
      for (const auto& [part, at] : flow_parts(std::string_view(text).substr(1, text.size() - 2))) {
        const std::size_t colon = key_colon(part);
        EXPECT_NE(colon, std::string::npos) << "line " << line << ": expected `key: value`";
        const std::size_t value_at = part.find_first_not_of(' ', colon + 1);
        Node value = value_at == std::string::npos
                         ? Node::null(mark(line, column0 + 1 + at + colon + 1))
                         : scalar_or_flow(part.substr(value_at), line, column0 + 1 + at + value_at);
        map.entries.push_back(
            MapEntry{unquote(part.substr(0, colon)), mark(line, column0 + 1 + at), value});
      }
      return map;
    }
    if (text.starts_with('"') || text.starts_with('\'')) {
      return Node::string(unquote(text), mark(line, column0));
    }
    return Node::plain(text, mark(line, column0));
  }

  std::shared_ptr<const std::string> file_;
  std::vector<Line> lines_;
  std::size_t pos_ = 0;
};

/// The formatted diagnostics for `yaml`, sorted as Diagnostics::to_error sorts them.
std::vector<std::string> problems(std::string_view yaml) {
  Diagnostics diags;
  compose_schema().validate(MiniYaml::parse(yaml), diags);
  std::vector<Diagnostic> list = diags.list();
  std::sort(list.begin(), list.end());
  std::vector<std::string> out;
  for (const auto& d : list) {
    out.push_back(d.format());
  }
  return out;
}

using Lines = std::vector<std::string>;

constexpr std::string_view kSeedCompose = R"(
# docker-compose.yml
version: '3.8'

services:
  # API service
  api:
    build:
      context: .
      dockerfile: Dockerfile
    image: ai-api:latest
    container_name: ai-api
    restart: unless-stopped
    ports:
      - "8000:8000"
    environment:
      - DATABASE_URL=postgresql://user:pass@postgres:5432/aidb
      - REDIS_URL=redis://redis:6379/0
      - MODEL_PATH=/models
    volumes:
      - ./models:/models:ro
      - ./logs:/app/logs
    depends_on:
      - postgres
      - redis
    networks:
      - ai-network
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
      interval: 30s
      timeout: 10s
      retries: 3
      start_period: 40s

  postgres:
    image: postgres:15-alpine
    container_name: ai-postgres
    restart: unless-stopped
    environment:
      - POSTGRES_USER=user
      - POSTGRES_PASSWORD=pass
      - POSTGRES_DB=aidb
    volumes:
      - postgres-data:/var/lib/postgresql/data
      - ./init.sql:/docker-entrypoint-initdb.d/init.sql
    networks:
      - ai-network
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U user"]
      interval: 10s
      timeout: 5s
      retries: 5

  redis:
    image: redis:7-alpine
    restart: unless-stopped
    command: redis-server --appendonly yes
    volumes:
      - redis-data:/data
    networks:
      - ai-network

  nginx:
    image: nginx:alpine
    ports:
      - "80:80"
      - "443:443"
    depends_on:
      - api

networks:
  ai-network:
    driver: bridge

volumes:
  postgres-data:
  redis-data:
)";

TEST(SchemaValidator, AcceptsTheSeedComposeFile) {
  EXPECT_EQ(problems(kSeedCompose), Lines{});
}

TEST(SchemaValidator, AcceptsTheSeedGpuFile) {
  EXPECT_EQ(problems(R"(
version: '3.8'
services:
  ai-gpu:
    build:
      context: .
      dockerfile: Dockerfile.gpu
    image: ai-api-gpu:latest
    container_name: ai-api-gpu
    restart: unless-stopped
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: 1
              capabilities: [gpu]
    environment:
      - NVIDIA_VISIBLE_DEVICES=0
    ports:
      - "8000:8000"
networks:
  ai-network:
    driver: bridge
)"),
            Lines{});
}

TEST(SchemaValidator, AcceptsTheSeedDevFile) {
  EXPECT_EQ(problems(R"(
services:
  api-dev:
    build:
      context: .
      dockerfile: Dockerfile
      target: builder
    volumes:
      - ./app:/app/app:delegated  # hot reload of code
    ports:
      - "8000:8000"
      - "5678:5678"
    environment:
      - DEBUG=true
    command: uvicorn app.main:app --host 0.0.0.0 --reload
)"),
            Lines{});
}

TEST(SchemaValidator, AcceptsLongSyntaxAndMappingForms) {
  EXPECT_EQ(problems(R"(
name: demo
services:
  api:
    image: api
    ports:
      - target: 80
        published: "8080"
        protocol: tcp
      - 9000
    environment:
      DEBUG: true
      WORKERS: 4
      RATIO: 0.5
      EMPTY:
    depends_on:
      db:
        condition: service_healthy
        restart: true
    volumes:
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: 1024
    gpus: all
    deploy:
      resources:
        limits:
          cpus: 0.5
          memory: 1g
    pull_policy: every_12h
    command: [python, -m, app]
    entrypoint:
  db:
    image: postgres
    extends:
      service: base
      file: base.yml
)"),
            Lines{});
}

TEST(SchemaValidator, SharesOneValidatorPerProcess) {
  EXPECT_EQ(&compose_schema(), &compose_schema());
}

TEST(SchemaValidator, ReportsUnknownTopLevelKeyWithoutAPath) {
  EXPECT_EQ(problems(R"(
services:
  api:
    image: x
servces:
  web:
    image: y
)"),
            Lines({"f.yml:4:1: unknown key \"servces\""}));
}

TEST(SchemaValidator, ReportsUnknownServiceKeyAtTheKeyMark) {
  EXPECT_EQ(problems(R"(
services:
  api:
    image: x
    foo: 1
)"),
            Lines({"f.yml:4:5: services.api: unknown key \"foo\""}));
}

TEST(SchemaValidator, NamesTheKeyInsideALongSyntaxPort) {
  EXPECT_EQ(problems(R"(
services:
  api:
    ports:
      - "80:80"
      - target: 80
        publshed: 8080
)"),
            Lines({"f.yml:6:9: services.api.ports[1]: unknown key \"publshed\""}));
}

TEST(SchemaValidator, ReportsUnknownKeyInsideDeployResources) {
  EXPECT_EQ(
      problems(R"(
services:
  api:
    deploy:
      resources:
        limit:
          cpus: 1
        reservations:
          memory: 1g
          gpus: 1
)"),
      Lines({"f.yml:5:9: services.api.deploy.resources: unknown key \"limit\"",
             "f.yml:9:11: services.api.deploy.resources.reservations: unknown key \"gpus\""}));
}

TEST(SchemaValidator, RejectsPortsWrittenAsAMapping) {
  EXPECT_EQ(problems(R"(
services:
  api:
    ports:
      http: 80
)"),
            Lines({"f.yml:4:7: services.api.ports: must be a list, not a mapping"}));
}

TEST(SchemaValidator, RejectsRestartWrittenAsAList) {
  EXPECT_EQ(problems(R"(
services:
  api:
    restart: [always]
)"),
            Lines({"f.yml:3:14: services.api.restart: must be a string, not a list"}));
}

TEST(SchemaValidator, ListsEveryAllowedTypeInSchemaOrder) {
  EXPECT_EQ(problems(R"(
services:
  api:
    tty: [yes]
    scale: {n: 2}
    shm_size: true
    environment:
      A: [1]
)"),
            Lines({"f.yml:3:10: services.api.tty: must be a boolean or a string, not a list",
                   "f.yml:4:12: services.api.scale: must be an integer or a string, not a mapping",
                   "f.yml:5:15: services.api.shm_size: must be a number or a string, not a boolean",
                   "f.yml:7:10: services.api.environment.A: must be a string, a number, a boolean "
                   "or null, not a list"}));
}

TEST(SchemaValidator, DoesNotTakeAFloatForAnInteger) {
  EXPECT_EQ(
      problems(R"(
services:
  api:
    scale: 1.5
    cpu_count: 2
)"),
      Lines({"f.yml:3:12: services.api.scale: must be an integer or a string, not a number"}));
}

TEST(SchemaValidator, ListsTheAlternativesWhenNoneTakesTheNodesType) {
  EXPECT_EQ(
      problems(R"(
services:
  api:
    build: 5
    command: {sh: x}
    env_file: true
)"),
      Lines({"f.yml:3:12: services.api.build: must be a string or a mapping, not an integer",
             "f.yml:4:14: services.api.command: must be null, a string or a list, not a "
             "mapping",
             "f.yml:5:15: services.api.env_file: must be a string or a list, not a boolean"}));
}

TEST(SchemaValidator, ReportsAValueOutsideAnEnum) {
  EXPECT_EQ(problems(R"(
services:
  api:
    cgroup: shared
    depends_on:
      db:
        condition: service_ready
)"),
            Lines({"f.yml:3:13: services.api.cgroup: must be one of \"host\", \"private\", not "
                   "\"shared\"",
                   "f.yml:6:20: services.api.depends_on.db.condition: must be one of "
                   "\"service_started\", \"service_healthy\", \"service_completed_successfully\", "
                   "not \"service_ready\""}));
}

TEST(SchemaValidator, ReportsTheEnumOfTheAlternativeMatchingTheType) {
  EXPECT_EQ(problems(R"(
services:
  api:
    gpus: some
)"),
            Lines({"f.yml:3:11: services.api.gpus: must be one of \"all\", not \"some\""}));
}

TEST(SchemaValidator, ReportsMissingRequiredKeys) {
  EXPECT_EQ(problems(R"(
services:
  api:
    extends:
      file: base.yml
    depends_on:
      db:
        restart: true
    volumes:
      - source: data
        target: /data
)"),
            Lines({"f.yml:4:7: services.api.extends: missing required key \"service\"",
                   "f.yml:7:9: services.api.depends_on.db: missing required key \"condition\"",
                   "f.yml:9:9: services.api.volumes[0]: missing required key \"type\""}));
}

TEST(SchemaValidator, ReportsDuplicateItemsAtTheRepeatedElement) {
  EXPECT_EQ(problems(R"(
services:
  api:
    cap_add:
      - NET_ADMIN
      - SYS_ADMIN
      - NET_ADMIN
    ports:
      - "80:80"
      - "80:80"
)"),
            Lines({"f.yml:6:9: services.api.cap_add[2]: duplicate item \"NET_ADMIN\"",
                   "f.yml:9:9: services.api.ports[1]: duplicate item \"80:80\""}));
}

TEST(SchemaValidator, ComparesMappingItemsWhateverTheirKeyOrder) {
  EXPECT_EQ(problems(R"(
services:
  api:
    ports:
      - target: 80
        published: 8080
      - published: 8080
        target: 80
)"),
            Lines({"f.yml:6:9: services.api.ports[1]: duplicate item (same as [0])"}));
}

TEST(SchemaValidator, TellsIntegersFromStringsWithTheSameText) {
  EXPECT_EQ(problems(R"(
services:
  api:
    expose: [80, "80", 0x50]
)"),
            Lines({"f.yml:3:24: services.api.expose[2]: duplicate item 0x50"}));
}

TEST(SchemaValidator, AcceptsExtensionKeysWhereTheSchemaAllowsThem) {
  EXPECT_EQ(problems(R"(
x-common:
  anything: [1, {deep: true}]
services:
  api:
    x-owner: team-a
    ports:
      - target: 80
        x-note: http
    deploy:
      x-placement: any
      resources:
        x-budget: 3
        limits:
          x-why: load test
    build:
      context: .
      x-cache: true
networks:
  front:
    x-zone: a
)"),
            Lines{});
}

TEST(SchemaValidator, RejectsExtensionKeysWhereTheSchemaHasNoPattern) {
  EXPECT_EQ(problems(R"(
services:
  api:
    blkio_config:
      x-note: fast disk
)"),
            Lines({"f.yml:4:7: services.api.blkio_config: unknown key \"x-note\""}));
}

TEST(SchemaValidator, RejectsServiceNamesOutsideTheAllowedCharacters) {
  EXPECT_EQ(problems(R"(
services:
  "my api":
    image: x
)"),
            Lines({"f.yml:2:3: services: unknown key \"my api\""}));
}

TEST(SchemaValidator, RequiresAServiceToBeAMapping) {
  EXPECT_EQ(problems(R"(
services:
  api:
  web: nginx
volumes:
  data:
)"),
            Lines({"f.yml:2:7: services.api: must be a mapping, not null",
                   "f.yml:3:8: services.web: must be a mapping, not a string"}));
}

TEST(SchemaValidator, AcceptsResetNodesAsTheyAre) {
  EXPECT_EQ(problems(R"(
services:
  api:
    ports: !reset []
    build: !reset
    restart: !reset {policy: never}
    cap_add:
      - NET_ADMIN
      - !reset NET_ADMIN
  web: !reset
)"),
            Lines{});
}

TEST(SchemaValidator, ChecksOverrideNodesLikeAnyOther) {
  EXPECT_EQ(problems(R"(
services:
  api:
    ports: !override {http: 80}
)"),
            Lines({"f.yml:3:22: services.api.ports: must be a list, not a mapping"}));
}

TEST(SchemaValidator, ChecksMinimumAndMaximum) {
  EXPECT_EQ(problems(R"(
services:
  api:
    cpu_percent: 150
    oom_score_adj: -2000
    cpu_count: 0
    volumes:
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: -1
)"),
            Lines({"f.yml:3:18: services.api.cpu_percent: must be at most 100",
                   "f.yml:4:20: services.api.oom_score_adj: must be at least -1000",
                   "f.yml:10:17: services.api.volumes[0].tmpfs.size: must be at least 0"}));
}

TEST(SchemaValidator, ChecksPatterns) {
  EXPECT_EQ(problems(R"(
services:
  api:
    pull_policy: sometimes
)"),
            Lines({"f.yml:3:18: services.api.pull_policy: must match the pattern "
                   "\"always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+["
                   "wdhms])+\""}));
}

TEST(SchemaValidator, SearchesPatternsAnywhereInTheTextUnlessAnchored) {
  EXPECT_EQ(problems(R"(
services:
  api.v2_x-1:
    container_name: a
    pull_policy: every_
    environment:
      "": empty
  web:
    container_name: my web-1
    pull_policy: every_1h30m
    ulimits:
      nofile: {soft: 1024, hard: 2048}
)"),
            Lines({"f.yml:3:21: services.api.v2_x-1.container_name: must match the pattern "
                   "\"[a-zA-Z0-9][a-zA-Z0-9_.-]+\"",
                   "f.yml:4:18: services.api.v2_x-1.pull_policy: must match the pattern "
                   "\"always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+["
                   "wdhms])+\"",
                   "f.yml:6:7: services.api.v2_x-1.environment: unknown key \"\""}));
}

TEST(SchemaValidator, AnchorsPatternsAtTheEndsOfTheWholeText) {
  Node services = Node::mapping(Mark{nullptr, 2, 1});
  services.set("api\n", Node::mapping(), Mark{nullptr, 3, 3});
  Node root = Node::mapping(Mark{nullptr, 1, 1});
  root.set("services", std::move(services), Mark{nullptr, 1, 1});
  Diagnostics diags;
  compose_schema().validate(root, diags);
  ASSERT_EQ(diags.size(), 1U);
  EXPECT_EQ(diags.list()[0].format(), ":3:3: services: unknown key \"api\\n\"");
}

TEST(SchemaValidator, MatchesLongTextsInLinearTime) {
  std::string policy;
  for (int i = 0; i < 20000; ++i) {
    policy += "every_1";
  }
  Node service = Node::mapping();
  service.set("pull_policy", Node::string(policy + "x"));
  service.set("container_name", Node::string(std::string(100000, '-')));
  Node services = Node::mapping();
  services.set("api", std::move(service));
  Node root = Node::mapping();
  root.set("services", std::move(services));
  Diagnostics diags;
  compose_schema().validate(root, diags);
  ASSERT_EQ(diags.size(), 2U);
  EXPECT_EQ(diags.list()[0].message.substr(0, 22), "must match the pattern");
  EXPECT_EQ(diags.list()[1].message.substr(0, 22), "must match the pattern");
}

TEST(SchemaValidator, ReportsSeveralProblemsTogether) {
  Diagnostics diags;
  compose_schema().validate(MiniYaml::parse(R"(
version: 3
services:
  api:
    image: [x]
    restart: always
    tty: maybe
    ports:
      - target: 80
        mode: host
        bogus: 1
    bogus: 2
volumes:
  data:
    driver: local
    driverr: local
)",
                                            "compose.yaml"),
                            diags);
  EXPECT_EQ(diags.size(), 5U);
  const Error error = diags.to_error();
  EXPECT_EQ(error.message(), "5 problems in the compose project");
  EXPECT_EQ(error.details(),
            Lines({"compose.yaml:1:10: version: must be a string, not an integer",
                   "compose.yaml:4:12: services.api.image: must be a string, not a list",
                   "compose.yaml:10:9: services.api.ports[0]: unknown key \"bogus\"",
                   "compose.yaml:11:5: services.api: unknown key \"bogus\"",
                   "compose.yaml:15:5: volumes.data: unknown key \"driverr\""}));
}

TEST(SchemaValidator, RequiresTheRootToBeAMapping) {
  EXPECT_EQ(problems(R"(
- services
)"),
            Lines({"f.yml:1:1: must be a mapping, not a list"}));
}

TEST(SchemaValidator, UsesTheValueMarkWhenAKeyHasNone) {
  Node root = Node::mapping(Mark{nullptr, 1, 1});
  root.set("bogus", Node::string("x", Mark{nullptr, 7, 8}));
  Diagnostics diags;
  compose_schema().validate(root, diags);
  ASSERT_EQ(diags.size(), 1U);
  EXPECT_EQ(diags.list()[0].format(), ":7:8: unknown key \"bogus\"");
}

TEST(SchemaValidator, DoesNotDescendIntoDeepExtensionValues) {
  Node deep = Node::string("leaf");
  for (int i = 0; i < 5000; ++i) {
    Node outer = Node::sequence();
    outer.items.push_back(std::move(deep));
    deep = std::move(outer);
  }
  Node root = Node::mapping();
  root.set("x-deep", std::move(deep));
  Diagnostics diags;
  compose_schema().validate(root, diags);
  EXPECT_TRUE(diags.empty());
}

TEST(SchemaValidator, QuotesKeysWithSpecialCharacters) {
  Node root = Node::mapping(Mark{nullptr, 1, 1});
  root.set("a\"b\n", Node::null(), Mark{nullptr, 2, 1});
  Diagnostics diags;
  compose_schema().validate(root, diags);
  ASSERT_EQ(diags.size(), 1U);
  EXPECT_EQ(diags.list()[0].message, "unknown key \"a\\\"b\\n\"");
}

} // namespace
} // namespace aic::compose

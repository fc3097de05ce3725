// Parsing a command line in unit tests: the result, the parsed options, or
// the one-line usage error. No default config file is read, so a developer's
// own ~/.config/haul/config never changes a test's outcome.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "cli/command_line.h"

namespace haul::cli::parse_test {

inline ParseResult Parse(const std::vector<std::string>& args) {
  std::vector<const char*> argv{"haul"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), "");
}

/// The parsed command line; fails the test if parsing asked to exit.
inline CommandLine ParseOk(const std::vector<std::string>& args) {
  ParseResult r = Parse(args);
  if (auto* exit = std::get_if<ExitRequest>(&r)) {
    ADD_FAILURE() << "unexpected exit: " << exit->text;
    return {};
  }
  return std::get<CommandLine>(std::move(r));
}

/// The usage error text; fails the test unless parsing gave exit code 2 with
/// exactly one "haul: error: " line.
inline std::string UsageError(const std::vector<std::string>& args) {
  ParseResult r = Parse(args);
  auto* exit = std::get_if<ExitRequest>(&r);
  if (exit == nullptr) {
    ADD_FAILURE() << "expected a usage error";
    return {};
  }
  EXPECT_EQ(exit->code, ExitCode::kUsage);
  EXPECT_EQ(static_cast<int>(exit->code), 2);
  EXPECT_EQ(exit->text.rfind("haul: error: ", 0), 0U) << exit->text;
  EXPECT_EQ(exit->text.find('\n'), exit->text.size() - 1) << "not one line: " << exit->text;
  return exit->text;
}

}  // namespace haul::cli::parse_test

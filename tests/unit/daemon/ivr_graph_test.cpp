// The [ivr] section and its graph checks: each broken menu gives an error
// naming the file, line and key of the problem.
#include <gtest/gtest.h>

#include "ivr/menu/digit_pattern.hpp"
#include "tests/unit/daemon/config_test_util.hpp"

namespace sb {
namespace {

using ivr::menu::DigitPattern;
using test::error_lines;
using test::joined;
using test::load;

// A valid two-node menu to vary: prompts p1, p2; menu "m".
const std::string kPrompts = "[ivr.prompts]\np1.en = \"one\"\np2.en = \"two\"\n";  // lines 1-3

std::vector<std::string> errors_of(const std::string& menus) { return error_lines(load(kPrompts + menus)); }

TEST(IvrGraph, ValidMenuLoads) {
  const auto r = load(kPrompts +
                      "[ivr.menus.m]\nentry = \"ask\"\n"
                      "[ivr.menus.m.nodes.ask]\ntype = \"collect\"\nprompts = [\"p1\", \"tone:beep\", \"silence:300ms\"]\n"
                      "branches = [{ match = \"1\", next = \"bye\" }, { match = \"[2-4]\", next = \"ask\" }]\n"
                      "on_failure = \"bye\"\n"
                      "[ivr.menus.m.nodes.bye]\ntype = \"hangup\"\nprompts = [\"p2\"]\n");
  ASSERT_TRUE(r.ok()) << joined(error_lines(r));
  const auto* ivr = r.config->section<ivr::menu::IvrConfig>("ivr");
  ASSERT_NE(ivr, nullptr);
  EXPECT_EQ(ivr->entry_menu, "m");  // the only menu
  const auto& ask = ivr->menus[0].nodes[*ivr->menus[0].find_node("ask")];
  EXPECT_EQ(ask.prompts.size(), 3u);
  EXPECT_TRUE(ask.barge_in);  // collect nodes barge in by default
  EXPECT_EQ(ask.collect.branches[1].target.index, *ivr->menus[0].find_node("ask"));
}

TEST(IvrGraph, DanglingTargetsAndMenus) {
  const auto lines = errors_of(
      "[ivr.menus.m]\nentry = \"begin\"\n"                                                   // 4-5
      "[ivr.menus.m.nodes.start]\ntype = \"play\"\nprompts = [\"p1\"]\nnext = \"nowhere\"\n"  // 6-9
      "[ivr.menus.m.nodes.jump]\ntype = \"goto\"\nmenu = \"lost\"\n");                        // 10-12
  ASSERT_EQ(lines.size(), 3u) << joined(lines);
  // The entry is dangling, so reachability is not judged (it would call every node unreachable).
  EXPECT_EQ(lines[0], "test.toml:5:9: ivr.menus.m.entry: no node \"begin\" in menu \"m\"");
  EXPECT_EQ(lines[1], "test.toml:9:8: ivr.menus.m.nodes.start.next: no node \"nowhere\" in menu \"m\"");
  EXPECT_EQ(lines[2], "test.toml:12:8: ivr.menus.m.nodes.jump.menu: no menu named \"lost\"");
}

TEST(IvrGraph, UnreachableNode) {
  const auto lines = errors_of(
      "[ivr.menus.m]\nentry = \"a\"\n"
      "[ivr.menus.m.nodes.a]\ntype = \"hangup\"\n"          // 6-7
      "[ivr.menus.m.nodes.orphan]\ntype = \"hangup\"\n");   // 8-9
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0],
            "test.toml:8:1: ivr.menus.m.nodes.orphan: node \"orphan\" is not reachable from the entry node \"a\" of menu \"m\"");
}

TEST(IvrGraph, LoopOfPromptsWithoutInput) {
  const auto lines = errors_of(
      "[ivr.menus.m]\nentry = \"a\"\n"
      "[ivr.menus.m.nodes.a]\ntype = \"play\"\nprompts = [\"p1\"]\nnext = \"b\"\n"                    // 6-9
      "[ivr.menus.m.nodes.b]\ntype = \"set\"\nvariables = { x = \"1\" }\nnext = \"a\"\n");            // 10-13
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0].rfind("test.toml:6:1: ivr.menus.m.nodes.a: loop without caller input: m.a -> m.b -> m.a", 0), 0u)
      << lines[0];
}

TEST(IvrGraph, TimeoutBranchDoesNotCountAsInput) {
  // collect --timeout--> play --> collect: a silent caller loops forever.
  const auto lines = errors_of(
      "[ivr.menus.m]\nentry = \"ask\"\n"
      "[ivr.menus.m.nodes.ask]\ntype = \"collect\"\nprompts = [\"p1\"]\n"                            // 6-8
      "branches = [{ match = \"1\", next = \"bye\" }]\non_invalid = \"bye\"\non_timeout = \"nag\"\n"  // 9-11
      "[ivr.menus.m.nodes.nag]\ntype = \"play\"\nprompts = [\"p2\"]\nnext = \"ask\"\n"                 // 12-15
      "[ivr.menus.m.nodes.bye]\ntype = \"hangup\"\n");
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_NE(lines[0].find("loop without caller input: m.ask -> m.nag -> m.ask"), std::string::npos) << lines[0];
}

TEST(IvrGraph, InputGatedLoopIsFine) {
  // collect --digit--> play --> collect: each turn needs a key press.
  const auto r = load(kPrompts +
                      "[ivr.menus.m]\nentry = \"ask\"\n"
                      "[ivr.menus.m.nodes.ask]\ntype = \"collect\"\nprompts = [\"p1\"]\n"
                      "branches = [{ match = \"1\", next = \"info\" }, { match = \"2\", next = \"bye\" }]\n"
                      "on_failure = \"bye\"\n"
                      "[ivr.menus.m.nodes.info]\ntype = \"play\"\nprompts = [\"p2\"]\nnext = \"ask\"\n"
                      "[ivr.menus.m.nodes.bye]\ntype = \"hangup\"\n");
  EXPECT_TRUE(r.ok()) << joined(error_lines(r));
}

TEST(IvrGraph, GotoLoopAcrossMenus) {
  const auto lines = errors_of(
      "[ivr]\nentry_menu = \"a\"\n"                                           // 4-5
      "[ivr.menus.a]\nentry = \"go\"\n[ivr.menus.a.nodes.go]\ntype = \"goto\"\nmenu = \"b\"\n"    // 6-10
      "[ivr.menus.b]\nentry = \"go\"\n[ivr.menus.b.nodes.go]\ntype = \"goto\"\nmenu = \"a\"\n");  // 11-15
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_NE(lines[0].find("loop without caller input: a.go -> b.go -> a.go"), std::string::npos) << lines[0];
}

TEST(IvrGraph, CollectNodeNeedsItsExits) {
  const auto lines = errors_of(
      "[ivr.menus.m]\nentry = \"ask\"\n"
      "[ivr.menus.m.nodes.ask]\ntype = \"collect\"\nprompts = [\"p1\"]\n");  // 6-8
  ASSERT_EQ(lines.size(), 3u) << joined(lines);
  EXPECT_EQ(lines[0], "test.toml:6:1: ivr.menus.m.nodes.ask: a collect node needs 'branches', 'next' or both");
  EXPECT_EQ(lines[1].rfind("test.toml:6:1: ivr.menus.m.nodes.ask: needs 'on_invalid' or 'on_failure'", 0), 0u);
  EXPECT_EQ(lines[2].rfind("test.toml:6:1: ivr.menus.m.nodes.ask: needs 'on_timeout' or 'on_failure'", 0), 0u);
}

TEST(IvrGraph, PatternsThatCanNeverMatchOrAreShadowed) {
  const auto lines = errors_of(
      "[ivr.menus.m]\nentry = \"ask\"\n"
      "[ivr.menus.m.nodes.ask]\ntype = \"collect\"\nprompts = [\"p1\"]\nmin_digits = 2\nmax_digits = 3\n"  // 6-10
      "branches = [\n"                          // 11
      "  { match = \"1XX\", next = \"bye\" },\n"  // 12
      "  { match = \"123\", next = \"bye\" },\n"  // 13 shadowed by 1XX
      "  { match = \"1234\", next = \"bye\" },\n" // 14 too long
      "  { match = \"5\", next = \"bye\" },\n"    // 15 too short
      "  { match = \"9Q\", next = \"bye\" },\n"   // 16 bad pattern
      "  { match = \"2.\", next = \"bye\" },\n"   // 17 fine
      "  { match = \"21\", next = \"bye\" },\n"   // 18 shadowed by 2.
      "]\non_failure = \"bye\"\n"
      "[ivr.menus.m.nodes.bye]\ntype = \"hangup\"\n");
  ASSERT_EQ(lines.size(), 5u) << joined(lines);
  EXPECT_EQ(lines[0], "test.toml:13:3: ivr.menus.m.nodes.ask.branches[1].match: \"123\" never matches: the earlier "
                      "branch \"1XX\" takes every input it would");
  EXPECT_EQ(lines[1], "test.toml:14:3: ivr.menus.m.nodes.ask.branches[2].match: \"1234\" can never match: this node "
                      "collects 2 to 3 digits");
  EXPECT_NE(lines[2].find("test.toml:15:3: ivr.menus.m.nodes.ask.branches[3].match: \"5\" can never match"),
            std::string::npos);
  EXPECT_NE(lines[3].find("test.toml:16:13: ivr.menus.m.nodes.ask.branches[4].match: \"9Q\": 'Q' is not a DTMF key"),
            std::string::npos) << lines[3];
  EXPECT_NE(lines[4].find("branches[6].match: \"21\" never matches: the earlier branch \"2.\""), std::string::npos);
}

TEST(IvrGraph, PromptsTonesLanguagesAndVariables) {
  const auto lines = error_lines(load(
      "[ivr]\nlanguages = [\"en\", \"fr\", \"en\", \"x\"]\n"                             // 1-2
      "[ivr.prompts]\nhello.en = \"hi\"\nhello.de = \"hallo\"\nonly_fr.fr = \"salut\"\n"   // 3-6
      "[ivr.menus.m]\nentry = \"a\"\n"                                                  // 7-8
      "[ivr.menus.m.nodes.a]\ntype = \"play\"\nprompts = [\"hello\", \"tone:siren\", \"silence:0ms\", \"nope\"]\n"  // 9-11
      "next = \"b\"\n"                                                                  // 12
      "[ivr.menus.m.nodes.b]\ntype = \"set\"\nlanguage = \"de\"\nvariables = { skills = \"x\", ok = \"y\", n = 3 }\n"  // 13-16
      "next = \"c\"\n"
      "[ivr.menus.m.nodes.c]\ntype = \"transfer\"\ndestination = \"sip:a b@x\"\n"));   // 18-20
  ASSERT_EQ(lines.size(), 11u) << joined(lines);
  const std::string all = joined(lines);
  EXPECT_NE(all.find("test.toml:2:26: ivr.languages[2]: \"en\" is listed twice"), std::string::npos) << all;
  EXPECT_NE(all.find("ivr.languages[3]: \"x\" is not a language tag"), std::string::npos);
  EXPECT_NE(all.find("test.toml:5:12: ivr.prompts.hello.de: language \"de\" is not in ivr.languages"), std::string::npos)
      << all;
  EXPECT_NE(all.find("ivr.prompts.only_fr: has no text for the default language \"en\""), std::string::npos);
  EXPECT_NE(all.find("ivr.menus.m.nodes.a.prompts[1]: unknown tone \"siren\""), std::string::npos);
  EXPECT_NE(all.find("ivr.menus.m.nodes.a.prompts[2]: \"silence:0ms\": silence takes a duration"), std::string::npos);
  EXPECT_NE(all.find("ivr.menus.m.nodes.a.prompts[3]: no prompt named \"nope\" in ivr.prompts"), std::string::npos);
  EXPECT_NE(all.find("ivr.menus.m.nodes.b.language: \"de\" is not in ivr.languages"), std::string::npos);
  EXPECT_NE(all.find("ivr.menus.m.nodes.b.variables.skills: set \"skills\" with the node's own key"), std::string::npos);
  EXPECT_NE(all.find("ivr.menus.m.nodes.b.variables.n: expected a string, found an integer"), std::string::npos);
  EXPECT_NE(all.find("ivr.menus.m.nodes.c.destination: must be a SIP URI or a number"), std::string::npos);
}

TEST(IvrGraph, NodeKeysDependOnType) {
  const auto lines = errors_of(
      "[ivr.menus.m]\nentry = \"a\"\n"
      "[ivr.menus.m.nodes.a]\ntype = \"play\"\nprompts = [\"p1\"]\nnext = \"b\"\nmax_digits = 3\n"  // 6-10
      "[ivr.menus.m.nodes.b]\ntype = \"dance\"\nfoo = 1\n");                                        // 11-13
  ASSERT_EQ(lines.size(), 2u) << joined(lines);
  EXPECT_EQ(lines[0], "test.toml:10:1: ivr.menus.m.nodes.a.max_digits: unknown key");
  EXPECT_NE(lines[1].find("test.toml:12:8: ivr.menus.m.nodes.b.type: \"dance\" is not one of \"play\", \"collect\""),
            std::string::npos) << lines[1];
}

TEST(IvrGraph, EntryMenuRules) {
  auto lines = errors_of(
      "[ivr.menus.a]\nentry = \"x\"\n[ivr.menus.a.nodes.x]\ntype = \"hangup\"\n"
      "[ivr.menus.b]\nentry = \"x\"\n[ivr.menus.b.nodes.x]\ntype = \"hangup\"\n");
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_NE(lines[0].find("ivr.entry_menu: required when there is more than one menu"), std::string::npos);
  lines = errors_of("[ivr]\nentry_menu = \"zz\"\n[ivr.menus.a]\nentry = \"x\"\n[ivr.menus.a.nodes.x]\ntype = \"hangup\"\n");
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0], "test.toml:5:14: ivr.entry_menu: no menu named \"zz\"");
}

TEST(IvrGraph, CollectLimits) {
  const auto lines = errors_of(
      "[ivr.menus.m]\nentry = \"a\"\n"
      "[ivr.menus.m.nodes.a]\ntype = \"collect\"\nprompts = [\"p1\"]\nmin_digits = 5\nmax_digits = 3\n"
      "terminator = \"1\"\nretries = 11\nfirst_digit_timeout = \"0s\"\nstore_as = \"language\"\nnext = \"b\"\n"
      "on_failure = \"b\"\n[ivr.menus.m.nodes.b]\ntype = \"hangup\"\n");
  ASSERT_EQ(lines.size(), 5u) << joined(lines);
  const std::string all = joined(lines);
  EXPECT_NE(all.find("min_digits (5) is larger than max_digits (3)"), std::string::npos);
  EXPECT_NE(all.find("terminator: must be \"#\", \"*\" or \"\" (none)"), std::string::npos);
  EXPECT_NE(all.find("retries: must be between 0 and 10, got 11"), std::string::npos);
  EXPECT_NE(all.find("first_digit_timeout: must be between 500ms and 2m, got 0s"), std::string::npos);
  EXPECT_NE(all.find("store_as: \"language\" is set by set nodes"), std::string::npos);
}

TEST(DigitPattern, CompileAndMatch) {
  std::string why;
  auto p = DigitPattern::compile("9[0-2#]X", &why);
  ASSERT_TRUE(p) << why;
  EXPECT_TRUE(p->matches("905"));
  EXPECT_TRUE(p->matches("9#0"));
  EXPECT_FALSE(p->matches("935"));
  EXPECT_FALSE(p->matches("90"));
  EXPECT_FALSE(p->matches("9050"));
  EXPECT_FALSE(p->matches("90*"));
  auto open = DigitPattern::compile("4.", &why);
  ASSERT_TRUE(open);
  EXPECT_FALSE(open->matches("4"));
  EXPECT_TRUE(open->matches("41"));
  EXPECT_TRUE(open->matches("4*#AD"));
  auto z = DigitPattern::compile("ZN", &why);
  EXPECT_TRUE(z->matches("12"));
  EXPECT_FALSE(z->matches("01"));
  EXPECT_FALSE(z->matches("11"));
  for (const char* bad : {"", ".", "1.2", "[", "[]", "[9-1]", "x", "1 2", "[1-#]", "123456789012345678901234567890123"})
    EXPECT_FALSE(DigitPattern::compile(bad, &why)) << bad;
}

TEST(DigitPattern, CouldExtend) {
  std::string why;
  auto p = DigitPattern::compile("12X", &why);
  EXPECT_TRUE(p->could_extend("", 3));
  EXPECT_TRUE(p->could_extend("1", 3));
  EXPECT_TRUE(p->could_extend("12", 3));
  EXPECT_FALSE(p->could_extend("123", 4));  // already full length
  EXPECT_FALSE(p->could_extend("13", 3));
  EXPECT_FALSE(p->could_extend("12", 2));   // max digits reached
  auto open = DigitPattern::compile("4.", &why);
  EXPECT_TRUE(open->could_extend("4", 2));
  EXPECT_TRUE(open->could_extend("4123", 8));
  EXPECT_FALSE(open->could_extend("4123", 4));
  EXPECT_FALSE(open->could_extend("5", 8));
}

TEST(DigitPattern, Covers) {
  std::string why;
  auto c = [&](const char* a, const char* b) {
    return DigitPattern::compile(a, &why)->covers(*DigitPattern::compile(b, &why));
  };
  EXPECT_TRUE(c("XX", "12"));
  EXPECT_TRUE(c("X", "N"));
  EXPECT_FALSE(c("N", "X"));
  EXPECT_FALSE(c("XX", "123"));
  EXPECT_TRUE(c("1.", "12"));
  EXPECT_TRUE(c("1.", "1X."));
  EXPECT_FALSE(c("1.", "1"));
  EXPECT_FALSE(c("12", "1."));
  EXPECT_FALSE(c("1X.", "1."));
}

}  // namespace
}  // namespace sb

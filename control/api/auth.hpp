// Bearer tokens for the API: which names the presented secret belongs to.
// Comparison takes the same time whatever the secret's content (it always
// runs over every configured token), so response timing does not reveal
// how much of a guess was right.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::api {

class TokenSet {
 public:
  struct Entry {
    std::string name;
    std::string token;
  };
  explicit TokenSet(std::vector<Entry> entries) : entries_(std::move(entries)) {}

  // The name of the matching token, or nullopt.
  std::optional<std::string> match(std::string_view presented) const;
  bool empty() const noexcept { return entries_.empty(); }

 private:
  std::vector<Entry> entries_;
};

// "Bearer <token>" (scheme case-insensitive) -> token; nullopt otherwise.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// 32 random bytes from the kernel, hex-encoded: a token for when the config
// lists none.
std::string generate_token();

}  // namespace sb::api

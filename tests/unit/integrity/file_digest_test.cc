// Tests for src/integrity/file_digest.h on real temporary files.
#include "integrity/file_digest.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "integrity/checksum.h"

namespace haul::integrity {
namespace {

const std::string kSha256OfAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kSha256OfMillionA =
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";

std::span<const std::byte> Bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

/// An unlinked temporary file holding `contents`, open read-write on fd().
class TempFile {
 public:
  explicit TempFile(std::string_view contents) {
    std::string tmpl = "/tmp/haul-integrity-test-XXXXXX";
    fd_ = ::mkstemp(tmpl.data());
    if (fd_ < 0) return;
    ::unlink(tmpl.c_str());
    std::size_t done = 0;
    while (done < contents.size()) {
      const ssize_t n = ::write(fd_, contents.data() + done, contents.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ok_ = done == contents.size();
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  bool ok() const { return ok_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

Checksum Sha256(const std::string& hex) {
  std::string error;
  std::optional<Checksum> c = ParseChecksum("sha-256=" + hex, &error);
  EXPECT_TRUE(c) << error;
  return c.value_or(Checksum{});
}

TEST(FileDigestTest, VerifyMatches) {
  TempFile file(std::string(1000000, 'a'));
  ASSERT_TRUE(file.ok());
  const Status s = VerifyFile(file.fd(), 1000000, Sha256(kSha256OfMillionA));
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(FileDigestTest, VerifyHashesOnlyTheFirstSizeBytes) {
  TempFile file("abcdef");
  ASSERT_TRUE(file.ok());
  const Status s = VerifyFile(file.fd(), 3, Sha256(kSha256OfAbc));
  EXPECT_TRUE(s.ok()) << s.message();
}

TEST(FileDigestTest, VerifyMismatchNamesBothDigests) {
  TempFile file("abd");
  ASSERT_TRUE(file.ok());
  const Status s = VerifyFile(file.fd(), 3, Sha256(kSha256OfAbc));
  EXPECT_EQ(s.error_class(), ErrorClass::kIntegrity);
  auto hasher = MakeHasher(HashAlgorithm::kSha256);
  hasher->Update(Bytes("abd"));
  EXPECT_EQ(s.message(), "checksum mismatch: expected sha-256=" + kSha256OfAbc + ", got " +
                             ToHex(hasher->Finish()));
}

TEST(FileDigestTest, ShortFileIsAnIoError) {
  TempFile file("abc");
  ASSERT_TRUE(file.ok());
  const Status s = VerifyFile(file.fd(), 4, Sha256(kSha256OfAbc));
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message(), "file ended early: read 3 of 4 bytes");
}

TEST(FileDigestTest, ReadErrorIsAnIoErrorWithStrerror) {
  const int fd = ::open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);  // pread gives EISDIR
  ASSERT_GE(fd, 0);
  const Status s = VerifyFile(fd, 1, Sha256(kSha256OfAbc));
  ::close(fd);
  EXPECT_EQ(s.error_class(), ErrorClass::kIo);
  EXPECT_EQ(s.message(), "cannot read file to verify it: Is a directory");
}

TEST(FileDigestTest, MultiBlockFileMatchesInMemoryDigest) {
  // Crosses the 1 MiB read size and ends mid-block.
  std::string contents((std::size_t{5} << 20) / 2 + 17, '\0');
  for (std::size_t i = 0; i < contents.size(); ++i) {
    contents[i] = static_cast<char>((i * 131) >> 3);
  }
  TempFile file(contents);
  ASSERT_TRUE(file.ok());
  for (HashAlgorithm algorithm : {HashAlgorithm::kMd5, HashAlgorithm::kSha512}) {
    auto from_file = MakeHasher(algorithm);
    const Status s = HashFileRange(file.fd(), contents.size(), *from_file);
    ASSERT_TRUE(s.ok()) << s.message();
    auto in_memory = MakeHasher(algorithm);
    in_memory->Update(Bytes(contents));
    EXPECT_EQ(from_file->Finish(), in_memory->Finish()) << HashAlgorithmName(algorithm);
  }
}

TEST(FileDigestTest, EmptyRangeHashesNothing) {
  TempFile file("");
  ASSERT_TRUE(file.ok());
  auto hasher = MakeHasher(HashAlgorithm::kSha256);
  ASSERT_TRUE(HashFileRange(file.fd(), 0, *hasher).ok());
  EXPECT_EQ(ToHex(hasher->Finish()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace haul::integrity

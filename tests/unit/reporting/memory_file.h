// A std::FILE* that writes to memory, for checking what a reporter printed.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace haul::reporting {

/// Owns an open_memstream stream; text() returns everything written so far.
class MemoryFile {
 public:
  MemoryFile() : file_(open_memstream(&data_, &size_)) {}
  ~MemoryFile() {
    std::fclose(file_);
    std::free(data_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  std::FILE* get() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

}  // namespace haul::reporting

#include "store/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>

namespace interdict::store {
namespace {

Status Errno(std::string_view what, const std::string& path, int err) {
  return Status::IOError(fmt::format("{} '{}': {}", what, path, std::strerror(err)));
}

class PosixFile final : public WritableFile {
 public:
  PosixFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(std::string_view data) override {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("cannot write", path_, errno);
      }
      p += n;
      left -= static_cast<std::size_t>(n);
      size_ += static_cast<std::uint64_t>(n);
    }
    return Status::Ok();
  }
  Status Sync() override {
    if (::fdatasync(fd_) != 0) return Errno("cannot sync", path_, errno);
    return Status::Ok();
  }
  Status Close() override {
    if (fd_ < 0) return Status::Ok();
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Errno("cannot close", path_, errno);
    return Status::Ok();
  }
  std::uint64_t size() const override { return size_; }

 private:
  std::string path_;
  int fd_;
  std::uint64_t size_ = 0;
};

class PosixMappedFile final : public MappedFile {
 public:
  PosixMappedFile(void* addr, std::size_t size) : addr_(addr), size_(size) {}
  ~PosixMappedFile() override {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }
  std::string_view data() const override {
    return size_ == 0 ? std::string_view()
                      : std::string_view(static_cast<const char*>(addr_), size_);
  }

 private:
  void* addr_;
  std::size_t size_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return Errno("cannot stat", path, err);
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    void* addr = nullptr;
    if (size > 0) {
      addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
      if (addr == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        return Errno("cannot map", path, err);
      }
    }
    ::close(fd);
    return std::unique_ptr<MappedFile>(std::make_unique<PosixMappedFile>(addr, size));
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Errno("cannot create", path, errno);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixFile>(path, fd));
  }

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return Errno("cannot open", path, errno);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixFile>(path, fd));
  }

  Result<std::string> ReadFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot open", path, errno);
    std::string out;
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return Errno("cannot read", path, err);
      }
      if (n == 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Status Truncate(const std::string& path, std::uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0)
      return Errno("cannot truncate", path, errno);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot open", path, errno);
    const int rc = ::fdatasync(fd);
    ::close(fd);
    if (rc != 0) return Errno("cannot sync", path, errno);
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return Errno("cannot rename", from, errno);
    return Status::Ok();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path, errno);
    return Status::Ok();
  }

  Status CreateDirs(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return Status::IOError(fmt::format("cannot create '{}': {}", path, ec.message()));
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot open directory", dir, errno);
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return Errno("cannot sync directory", dir, errno);
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return Errno("cannot list", dir, errno);
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
      const std::string_view n = e->d_name;
      if (n != "." && n != "..") names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  bool Exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }
};

}  // namespace

Env& Env::Posix() {
  static PosixEnv env;
  return env;
}

class FaultyFile final : public WritableFile {
 public:
  FaultyFile(std::unique_ptr<WritableFile> base, FaultInjectionEnv& env)
      : base_(std::move(base)), env_(env) {}
  Status Append(std::string_view data) override {
    if (env_.write_fails_) return Status::IOError("injected write failure");
    const std::int64_t budget = env_.budget_.load();
    if (budget >= 0 && static_cast<std::int64_t>(data.size()) > budget) {
      // A full disk takes part of the write, then refuses the rest.
      const auto part = static_cast<std::size_t>(budget);
      if (part > 0) (void)base_->Append(data.substr(0, part));
      env_.budget_ = 0;
      return Status::ResourceExhausted("injected: no space left on device");
    }
    if (budget >= 0) env_.budget_ -= static_cast<std::int64_t>(data.size());
    return base_->Append(data);
  }
  Status Sync() override {
    if (env_.sync_fails_) return Status::IOError("injected sync failure");
    return base_->Sync();
  }
  Status Close() override { return base_->Close(); }
  std::uint64_t size() const override { return base_->size(); }

 private:
  std::unique_ptr<WritableFile> base_;
  FaultInjectionEnv& env_;
};

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& path) {
  Result<std::unique_ptr<WritableFile>> f = base_.NewWritableFile(path);
  if (!f.ok()) return f.status();
  return std::unique_ptr<WritableFile>(std::make_unique<FaultyFile>(std::move(f).value(), *this));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& path) {
  Result<std::unique_ptr<WritableFile>> f = base_.NewAppendableFile(path);
  if (!f.ok()) return f.status();
  return std::unique_ptr<WritableFile>(std::make_unique<FaultyFile>(std::move(f).value(), *this));
}

Status FaultInjectionEnv::Rename(const std::string& from, const std::string& to) {
  if (rename_fails_) return Status::IOError("injected rename failure");
  return base_.Rename(from, to);
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  if (sync_fails_ || sync_dir_fails_) return Status::IOError("injected directory sync failure");
  return base_.SyncDir(dir);
}

}  // namespace interdict::store

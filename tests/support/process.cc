#include "support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace cara::testing {
namespace {

// argv and envp for execve, built before fork: the child of a multithreaded
// process may only make async-signal-safe calls, and malloc (setenv, a
// vector growing) can deadlock on a lock another thread held at fork time.
class ExecArgs {
 public:
  ExecArgs(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env)
      : args_(argv) {
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry = *e;
      if (env.count(entry.substr(0, entry.find('='))) == 0) env_.push_back(entry);
    }
    for (const auto& [k, v] : env) env_.push_back(k + "=" + v);
    for (auto& a : args_) argv_.push_back(a.data());
    argv_.push_back(nullptr);
    for (auto& e : env_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
  }
  // Never returns.
  [[noreturn]] void Exec() const {
    // Only stdin, stdout and stderr pass to the program. Sockets the test
    // process holds (asio does not open them close-on-exec) would otherwise
    // live on in the child: a connection an in-process server closed then
    // never sees its FIN, and the client's next request on it hangs.
    close_range(3, ~0U, 0);
    execve(argv_[0], argv_.data(), envp_.data());
    static const char kMsg[] = "exec failed\n";
    ssize_t ignored = write(2, kMsg, sizeof(kMsg) - 1);
    (void)ignored;
    _exit(127);
  }

 private:
  std::vector<std::string> args_, env_;
  std::vector<char*> argv_, envp_;
};

}  // namespace

int SpawnProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
                 const std::string& stderr_path) {
  const std::string out_file = stdout_path.empty() ? "/dev/null" : stdout_path;
  int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  int out = out_file == stderr_path
                ? dup(err)
                : open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || err < 0) {
    std::string error = std::strerror(errno);
    if (out >= 0) close(out);
    if (err >= 0) close(err);
    throw std::runtime_error("open " + out_file + " / " + stderr_path + ": " + error);
  }
  ExecArgs exec(argv, {});
  pid_t pid = fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out, 1);
    dup2(err, 2);
    exec.Exec();
  }
  int fork_errno = errno;
  close(out);
  close(err);
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(fork_errno));
  return pid;
}

int WaitForExit(int pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string TestLogPath(const std::string& prefix) {
  static std::atomic<int> counter{0};
  const std::string dir = CARA_TEST_LOG_DIR;
  std::filesystem::create_directories(dir);
  return dir + "/" + prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
         ".log";
}

std::string BuiltBinary(const std::string& name) {
  return std::string(CARA_BINARY_DIR) + "/src/" + name;
}

ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const std::string& stdin_text) {
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe failed");
  ExecArgs exec(argv, env);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    exec.Exec();
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Feed stdin and drain both outputs without deadlocking on full pipes.
  size_t written = 0;
  if (stdin_text.empty()) close(in[1]);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  ProcessResult result;
  bool out_open = true, err_open = true, in_open = !stdin_text.empty();
  char buf[65536];
  while (out_open || err_open) {
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out[0], POLLIN, 0});
    if (err_open) fds.push_back({err[0], POLLIN, 0});
    if (in_open) fds.push_back({in[1], POLLOUT, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    for (const auto& p : fds) {
      if (!p.revents) continue;
      if (p.fd == in[1]) {
        ssize_t n = write(in[1], stdin_text.data() + written, stdin_text.size() - written);
        if (n > 0) written += n;
        if (n < 0 || written == stdin_text.size()) {
          close(in[1]);
          in_open = false;
        }
        continue;
      }
      ssize_t n = read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        close(p.fd);
        (p.fd == out[0] ? out_open : err_open) = false;
      } else {
        (p.fd == out[0] ? result.out : result.err).append(buf, n);
      }
    }
  }
  if (in_open) close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv,
                                     const std::map<std::string, std::string>& env,
                                     const std::string& log_path) {
  ExecArgs exec(argv, env);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Its own process group, so signals reach helpers it forks too (git
    // daemon serves from a child process, for one).
    setpgid(0, 0);
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
      close(log);
    }
    exec.Exec();
  }
}

BackgroundProcess::~BackgroundProcess() {
  if (running()) {
    Signal(SIGKILL);
    Wait();
  }
  if (pid_ > 0) kill(-pid_, SIGKILL);  // whatever it forked
}

void BackgroundProcess::Signal(int signal) {
  if (pid_ > 0 && status_ < 0) {
    kill(pid_, signal);
    kill(-pid_, signal);
  }
}

int BackgroundProcess::Wait() {
  if (status_ < 0) {
    int status = 0;
    waitpid(pid_, &status, 0);
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return status_;
}

bool BackgroundProcess::running() {
  if (status_ >= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

}  // namespace cara::testing

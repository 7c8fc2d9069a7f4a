#include "postgres_server.h"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace signet::testing {
namespace fs = std::filesystem;
namespace {

// A port the kernel just handed out on 127.0.0.1 (closed again: a small race, retried by start).
int free_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&  // NOLINT
      getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {  // NOLINT
    port = ntohs(addr.sin_port);
  }
  close(s);
  return port;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Status PostgresServer::run(const std::string& command, const std::string& what) const {
  const fs::path log = dir_ / "command.log";
  const std::string prefix = as_postgres_ ? "runuser -u postgres -- " : "";
  const std::string full = prefix + command + " >" + log.string() + " 2>&1";
  if (std::system(full.c_str()) != 0) {  // NOLINT(concurrency-mt-unsafe): tests, one thread
    return fail(ErrorCode::kUnavailable, what + " failed: " + read_all(log));
  }
  return {};
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start() {
  const fs::path bin(kPostgresBin);
  if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl")) {
    return fail(ErrorCode::kFailedPrecondition, std::string("PostgreSQL 15 is not installed (") +
                                                    kPostgresBin +
                                                    "/initdb; apt-get install postgresql)");
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  std::string tmpl = (fs::temp_directory_path() / "signet-pg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return fail(ErrorCode::kUnavailable, "mkdtemp failed for " + tmpl);
  }
  server->dir_ = tmpl;
  server->as_postgres_ = geteuid() == 0;
  if (server->as_postgres_) {
    const passwd* pw = getpwnam("postgres");  // NOLINT(concurrency-mt-unsafe)
    if (pw == nullptr) {
      return fail(ErrorCode::kFailedPrecondition,
                  "running as root, but there is no postgres user to run the server as");
    }
    if (chown(server->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return fail(ErrorCode::kUnavailable, "chown " + server->dir_.string() + " failed");
    }
  }
  const fs::path data = server->dir_ / "data";
  // Trust only: the server listens on 127.0.0.1 and a socket in a private directory; no
  // password exists anywhere. --no-sync and fsync=off: a test database need not survive a
  // power cut, and the tests then take seconds.
  SIGNET_RETURN_IF_ERROR(server->run((bin / "initdb").string() + " -D " + data.string() +
                                         " -U signet -A trust --no-sync --no-instructions",
                                     "initdb"));
  Status started = fail(ErrorCode::kUnavailable, "pg_ctl start was not tried");
  for (int attempt = 0; attempt < 3 && !started; ++attempt) {
    server->port_ = free_port();
    started = server->run((bin / "pg_ctl").string() + " -D " + data.string() + " -l " +
                              (server->dir_ / "server.log").string() + " -w -t 60 -o \"" +
                              "-c listen_addresses=127.0.0.1 -p " + std::to_string(server->port_) +
                              " -k " + server->dir_.string() + " -c fsync=off\" start",
                          "pg_ctl start");
  }
  if (!started) return fail(started.error());
  server->started_ = true;
  return server;
}

PostgresServer::~PostgresServer() {
  if (started_) {
    (void)run(std::string(kPostgresBin) + "/pg_ctl -D " + (dir_ / "data").string() +
                  " -m immediate -w stop",
              "pg_ctl stop");
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Result<std::string> PostgresServer::create_database(const std::string& name) const {
  SIGNET_RETURN_IF_ERROR(
      run("/usr/bin/createdb -h 127.0.0.1 -p " + std::to_string(port_) + " -U signet " + name,
          "createdb " + name));
  return "postgresql://signet@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

Status PostgresServer::psql(const std::string& uri, const std::string& sql) const {
  const fs::path file = dir_ / "statement.sql";
  {
    std::ofstream out(file, std::ios::trunc);
    out << sql;
  }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  return run("/usr/bin/psql -X -q -v ON_ERROR_STOP=1 '" + uri + "' -f " + file.string(), "psql");
}

}  // namespace signet::testing

// The subcommands of the `interdict` binary. Each returns the process exit
// code: 0 success, 1 failure at run time, 2 a usage or configuration error.
#pragma once

#include <string>
#include <vector>

namespace interdict::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int Serve(const std::vector<std::string>& args);
int Demo(const std::vector<std::string>& args);
int Upgrade(const std::vector<std::string>& args);
int Version(const std::vector<std::string>& args);
int Help(const std::vector<std::string>& args);
int StoreCommand(const std::vector<std::string>& args);
int KeysCommand(const std::vector<std::string>& args);
int BackupCommand(const std::vector<std::string>& args);
int RestoreCommand(const std::vector<std::string>& args);
int BenchCommand(const std::vector<std::string>& args);
int SimCommand(const std::vector<std::string>& args);
int TotpCommand(const std::vector<std::string>& args);
int OversightCommand(const std::vector<std::string>& args);
int EvaluateCommand(const std::vector<std::string>& args);
// `bench evaluate` (cli/evaluate_commands.cc).
int EvaluateBench(const std::vector<std::string>& args);
int AdminCommand(const std::vector<std::string>& args);
int AuditCommand(const std::vector<std::string>& args);
int HotlistCommand(const std::vector<std::string>& args);
int ImportCommand(const std::vector<std::string>& args);
int CatalogCommand(const std::vector<std::string>& args);

// Dispatches argv[1] to its command.
int Main(int argc, char** argv);

}  // namespace interdict::cli

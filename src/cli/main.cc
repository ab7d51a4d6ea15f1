#include "cli/commands.h"

int main(int argc, char** argv) {
  return interdict::cli::Main(argc, argv);
}

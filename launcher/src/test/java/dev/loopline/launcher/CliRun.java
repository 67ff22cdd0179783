package dev.loopline.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Runs the CLI in-process and captures what it prints. */
record CliRun(int exitCode, String out, String err) {

  static CliRun run(String... args) {
    return run(Map.of(), ContributedCommands.CLASS_NAMES, args);
  }

  static CliRun run(Map<String, String> env, List<String> contributed, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = LooplineCli.run(args, o, e, env, contributed);
    }
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  List<String> errLines() {
    return err.lines().toList();
  }
}

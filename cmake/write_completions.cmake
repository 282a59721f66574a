# Build-time script: writes caractrl's shell completion scripts, as the
# built caractrl prints them, so the installed ones match its commands.
#   cmake -DCARACTRL=<caractrl> -DOUT_DIR=<dir> -P write_completions.cmake
# Writes OUT_DIR/caractrl.bash, OUT_DIR/_caractrl (zsh), OUT_DIR/caractrl.fish.
foreach(required CARACTRL OUT_DIR)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "write_completions.cmake: ${required} is not set")
  endif()
endforeach()

file(MAKE_DIRECTORY "${OUT_DIR}")
foreach(shell_and_file "bash|caractrl.bash" "zsh|_caractrl" "fish|caractrl.fish")
  string(REPLACE "|" ";" pair "${shell_and_file}")
  list(GET pair 0 shell)
  list(GET pair 1 name)
  # Into a temp file first: a failed run must not leave a half script that
  # the next build takes as up to date.
  execute_process(COMMAND "${CARACTRL}" completion ${shell}
    OUTPUT_FILE "${OUT_DIR}/${name}.tmp" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${CARACTRL} completion ${shell} failed: ${rc}")
  endif()
  file(RENAME "${OUT_DIR}/${name}.tmp" "${OUT_DIR}/${name}")
endforeach()

# Regenerates docs/faults.md into OUT and fails when it differs from the committed PAGE.
execute_process(COMMAND ${CLI} faults --markdown OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "rdpfault faults --markdown failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${PAGE} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "${PAGE} is stale: regenerate it with `rdpfault faults --markdown > docs/faults.md`")
endif()

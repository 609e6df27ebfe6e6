summary .

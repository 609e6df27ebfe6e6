check no_such_file.gb

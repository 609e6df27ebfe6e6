run ok_mem_small.gb --memory 1M --draws 100000

run ok_mem_small.gb --memory 12Q

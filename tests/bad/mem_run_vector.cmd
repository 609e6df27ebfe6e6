run ok_mem_vector.gb --memory 16G --chains 1

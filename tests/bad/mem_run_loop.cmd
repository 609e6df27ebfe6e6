run ok_mem_loop.gb --memory 16G --chains 2 --threads 2

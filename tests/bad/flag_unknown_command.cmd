frobnicate x.gb

#include "ff-test-daemon.h"

#ifndef HYDRO_CPROJ_SHIM_H
#define HYDRO_CPROJ_SHIM_H

#include <proj.h>
#include <geodesic.h>

#endif

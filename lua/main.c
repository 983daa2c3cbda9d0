#include "lsegmint.h"

int main(void)
{
    return 0;
}

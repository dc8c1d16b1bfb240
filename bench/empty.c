/* empty - the floor of a process start, for bench/run.sh figure 2b */
int main(void)
{
	return 0;
}

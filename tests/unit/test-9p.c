/* The 9P2000.L server's operations as Linux's v9fs uses them, message by
 * message against a temporary folder, with typical errors and read-only
 * refusals. Escapes: test-9p-confine.c; bad input, limits: test-9p-robust.c. */
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>

#include "9p-client.h"

static void version_negotiates_msize_and_resets_the_session(void)
{
	struct share sh;
	struct client c;
	uint32_t msize;
	char version[32];

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_version(&c, 1u << 30, "9P2000.L", &msize, version), 0);
	CHECK_EQ(msize, TMSIZE);
	CHECK_STR_CONTAINS(version, "9P2000.L");
	CHECK_EQ(p9_server_msize(c.s), TMSIZE);
	CHECK_EQ(c_version(&c, 8192, "9P2000.L", &msize, version), 0);
	CHECK_EQ(msize, 8192);
	CHECK_EQ(p9_server_msize(c.s), 8192);
	CHECK_EQ(c_version(&c, 1024, "9P2000.L", NULL, NULL), EMSGSIZE);
	CHECK_EQ(c_version(&c, 8192, "9P2000", &msize, version), 0);
	CHECK(!strcmp(version, "unknown"));
	/* A new Tversion clunks every fid. */
	CHECK_EQ(c_version(&c, TMSIZE, "9P2000.L", NULL, NULL), 0);
	CHECK_EQ(c_attach(&c, ROOT_FID, "share"), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "sub", NULL), 0);
	CHECK_EQ(p9_server_fid_count(c.s), 2);
	CHECK_EQ(c_version(&c, TMSIZE, "9P2000.L", NULL, NULL), 0);
	CHECK_EQ(p9_server_fid_count(c.s), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "sub", NULL), EBADF);
	client_stop(&c);
	share_destroy(&sh);
}

static void attach_picks_the_export_named_by_aname(void)
{
	struct share sh;
	struct client c;
	struct p9_export_config other = { .name = "other" };
	struct uvm_error err = { 0 };
	char p[256];
	struct p9_qid q1, q2;

	share_create(&sh);
	client_start(&c, &sh, false);
	/* One export: "" picks it. */
	CHECK_EQ(c_attach_as(&c, 10, "", P9_NONUNAME, &q1), 0);
	CHECK_EQ(c_attach(&c, 11, "nosuch"), ENOENT);
	CHECK_EQ(c_attach(&c, 10, "share"), EINVAL);          /* fid in use */
	path_in(p, sizeof(p), sh.root, "sub");
	other.host_path = p;
	CHECK_EQ(p9_server_add_export(c.s, &other, &err), 0);
	CHECK_EQ(p9_server_add_export(c.s, &other, &err), -EEXIST);
	CHECK_STR_CONTAINS(err.msg, "already exported");
	CHECK_EQ(c_attach(&c, 12, ""), ENOENT);                /* two exports: ambiguous */
	CHECK_EQ(c_attach_as(&c, 13, "other", P9_NONUNAME, &q2), 0);
	CHECK(q1.path != q2.path);
	CHECK_EQ(q2.type, P9_QTDIR);
	CHECK_EQ(c_walk(&c, 13, 14, "inner.txt", NULL), 0);
	{
		struct msg *m = c_msg(&c, P9_TATTACH);

		m_u32(m, 15);
		m_u32(m, 7);                                 /* an afid: no auth here */
		m_str(m, "u");
		m_str(m, "share");
		m_u32(m, 0);
		CHECK_EQ(c_rpc(&c, m), EINVAL);
		m = c_msg(&c, P9_TAUTH);
		m_u32(m, 7);
		m_str(m, "u");
		m_str(m, "share");
		m_u32(m, 0);
		CHECK_EQ(c_rpc(&c, m), EOPNOTSUPP);
	}
	CHECK_EQ(p9_server_add_export(c.s, &(struct p9_export_config){ .name = "x", .host_path = "/nonexistent-p9" },
				      &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "/nonexistent-p9");
	client_stop(&c);
	share_destroy(&sh);
}

static void walk_gives_qids_partial_walks_and_clones(void)
{
	struct share sh;
	struct client c;
	const char *names[20];
	struct p9_qid qids[16], q;
	unsigned n;

	share_create(&sh);
	client_start(&c, &sh, false);
	names[0] = "sub", names[1] = "inner.txt", names[2] = NULL;
	CHECK_EQ(c_walkv(&c, ROOT_FID, 2, names, &n, qids), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(qids[0].type, P9_QTDIR);
	CHECK_EQ(qids[1].type, P9_QTFILE);
	CHECK(qids[0].path != qids[1].path);
	/* The same file walked again has the same qid path. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "sub/inner.txt", &q), 0);
	CHECK_EQ(q.path, qids[1].path);
	/* Partial walk: Rwalk with fewer qids, and newfid is not created. */
	names[1] = "missing";
	CHECK_EQ(c_walkv(&c, ROOT_FID, 4, names, &n, qids), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(c_clunk(&c, 4), EBADF);
	/* Failing on the first name is an error. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "missing", NULL), ENOENT);
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "hello.txt/x", NULL), -2);   /* ENOTDIR after 1 */
	CHECK_EQ(c_walk(&c, 3, 4, "x", NULL), ENOTDIR);
	/* nwname 0 clones; the clone is independent of the original. */
	CHECK_EQ(c_walkv(&c, 3, 5, NULL, &n, NULL), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(c_clunk(&c, 3), 0);
	CHECK_EQ(c_lopen(&c, 5, P9_DOTL_RDONLY), 0);
	CHECK_EQ(c_read(&c, 5, 0, 100, NULL, 0), 6);
	/* newfid == fid walks in place. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 6, "sub", NULL), 0);
	CHECK_EQ(c_walk(&c, 6, 6, "inner.txt", &q), 0);
	CHECK_EQ(q.path, qids[1].path);
	/* newfid in use. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 6, "sub", NULL), EINVAL);
	CHECK_EQ(c_walk(&c, 999, 7, "sub", NULL), EBADF);
	/* 16 names are allowed ("sub/.." eight times). */
	for (int i = 0; i < 16; i++)
		names[i] = i % 2 ? ".." : "sub";
	names[16] = NULL;
	CHECK_EQ(c_walkv(&c, ROOT_FID, 8, names, &n, qids), 0);
	CHECK_EQ(n, 16);
	names[16] = "sub", names[17] = NULL;
	CHECK_EQ(c_walkv(&c, ROOT_FID, 9, names, &n, qids), EINVAL);
	client_stop(&c);
	share_destroy(&sh);
}

static void lopen_read_write_follow_open_modes(void)
{
	struct share sh;
	struct client c;
	char buf[64];
	long n;

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	CHECK_EQ(c_read(&c, 2, 0, 10, buf, sizeof(buf)), -EBADF);  /* not open */
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY), 0);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY), EINVAL);         /* twice */
	n = c_read(&c, 2, 0, sizeof(buf), buf, sizeof(buf));
	CHECK_EQ(n, 12);
	CHECK(!memcmp(buf, "hello world\n", 12));
	CHECK_EQ(c_read(&c, 2, 6, 5, buf, sizeof(buf)), 5);
	CHECK(!memcmp(buf, "world", 5));
	CHECK_EQ(c_read(&c, 2, 100, 5, buf, sizeof(buf)), 0);
	CHECK_EQ(c_write(&c, 2, 0, "x", 1), -EBADF);             /* read-only open */
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "hello.txt", NULL), 0);
	CHECK_EQ(c_lopen(&c, 3, P9_DOTL_RDWR), 0);
	CHECK_EQ(c_write(&c, 3, 6, "there", 5), 5);
	CHECK_EQ(c_read(&c, 2, 0, sizeof(buf), buf, sizeof(buf)), 12);
	CHECK(!memcmp(buf, "hello there\n", 12));
	/* Truncate on open; a directory opens read-only only. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "hello.txt", NULL), 0);
	CHECK_EQ(c_lopen(&c, 4, P9_DOTL_WRONLY | P9_DOTL_TRUNC), 0);
	CHECK_EQ(c_read(&c, 2, 0, sizeof(buf), buf, sizeof(buf)), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 5, "sub", NULL), 0);
	CHECK_EQ(c_lopen(&c, 5, P9_DOTL_RDWR), EISDIR);
	CHECK_EQ(c_lopen(&c, 5, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY), 0);
	CHECK_EQ(c_read(&c, 5, 0, 10, buf, sizeof(buf)), -EISDIR);
	CHECK_EQ(c_walk(&c, ROOT_FID, 6, "hello.txt", NULL), 0);
	CHECK_EQ(c_lopen(&c, 6, 3), EINVAL);                     /* no access mode */
	/* Appending writes land at the end whatever the offset. */
	CHECK_EQ(c_lopen(&c, 6, P9_DOTL_WRONLY | P9_DOTL_APPEND), 0);
	CHECK_EQ(c_write(&c, 6, 0, "ab", 2), 2);
	CHECK_EQ(c_write(&c, 6, 0, "cd", 2), 2);
	CHECK_EQ(c_read(&c, 2, 0, sizeof(buf), buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "abcd", 4));
	CHECK_EQ(c_fsync(&c, 6, 0), 0);
	CHECK_EQ(c_fsync(&c, 6, 1), 0);
	CHECK_EQ(c_fsync(&c, ROOT_FID, 0), EBADF);
	client_stop(&c);
	share_destroy(&sh);
}

static void reads_are_capped_to_msize_and_the_response_buffer(void)
{
	struct share sh;
	struct client c;
	static char big[200000];
	char p[256];
	int fd;

	share_create(&sh);
	memset(big, 'z', sizeof(big));
	path_in(p, sizeof(p), sh.root, "big");
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0 && write(fd, big, sizeof(big)) == (ssize_t)sizeof(big));
	close(fd);
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "big", NULL), 0);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY), 0);
	CHECK_EQ(c_read(&c, 2, 0, 0xffffffffu, NULL, 0), TMSIZE - 11);
	CHECK_EQ(c_version(&c, 8192, "9P2000.L", NULL, NULL), 0);
	CHECK_EQ(c_attach(&c, ROOT_FID, "share"), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "big", NULL), 0);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY), 0);
	CHECK_EQ(c_read(&c, 2, 0, 100000, NULL, 0), 8192 - 11);
	c.resp_cap = 100;                                       /* a short reply buffer */
	CHECK_EQ(c_read(&c, 2, 0, 100000, NULL, 0), 100 - 11);
	c.resp_cap = 11;                                        /* room for no data */
	CHECK_EQ(c_read(&c, 2, 0, 100000, NULL, 0), 0);
	c.resp_cap = 10;                                        /* not even an Rlerror */
	{
		struct msg *m = c_msg(&c, P9_TCLUNK);

		m_u32(m, 999);
		m_end(m);
		CHECK_EQ(c_send_raw(&c, m->buf, m->len), 0);
		m = c_msg(&c, P9_TCLUNK);
		m_u32(m, 2);
		m_end(m);
		CHECK_EQ(c_send_raw(&c, m->buf, m->len), 7);   /* Rclunk still fits */
	}
	client_stop(&c);
	share_destroy(&sh);
}

static void lcreate_makes_a_file_with_the_guests_mode_and_owner(void)
{
	struct share sh;
	struct client c;
	struct p9_qid q;
	struct stat st;
	char buf[16];

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_attach_as(&c, 2, "share", 1234, NULL), 0);
	CHECK_EQ(c_walk(&c, 2, 3, "", NULL), 0);
	CHECK_EQ(c_lcreate(&c, 3, "new.txt", P9_DOTL_RDWR, 0666, 4321, &q), 0);
	CHECK_EQ(q.type, P9_QTFILE);
	CHECK_EQ(c_write(&c, 3, 0, "data", 4), 4);
	CHECK_EQ(c_read(&c, 3, 0, 16, buf, sizeof(buf)), 4);
	CHECK_EQ(host_lstat(sh.root, "new.txt", &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0666);                     /* no host umask */
	if (geteuid() == 0) {
		CHECK_EQ(st.st_uid, 1234);
		CHECK_EQ(st.st_gid, 4321);
	}
	CHECK_EQ(st.st_size, 4);
	/* The fid now names the file: getattr agrees, and it is open. */
	{
		struct tattr a;

		CHECK_EQ(c_getattr(&c, 3, &a), 0);
		CHECK_EQ(a.qid.path, q.path);
		CHECK_EQ(a.size, 4);
	}
	CHECK_EQ(c_lcreate(&c, 3, "again", P9_DOTL_RDWR, 0644, 0, NULL), EINVAL);
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "", NULL), 0);
	CHECK_EQ(c_lcreate(&c, 4, "new.txt", P9_DOTL_RDWR | P9_DOTL_EXCL, 0644, 0, NULL), EEXIST);
	CHECK_EQ(c_lcreate(&c, 4, "sub", P9_DOTL_RDWR, 0644, 0, NULL), EISDIR);
	/* Without EXCL an existing file is opened (and TRUNC truncates). */
	CHECK_EQ(c_lcreate(&c, 4, "new.txt", P9_DOTL_RDWR | P9_DOTL_TRUNC, 0600, 0, &q), 0);
	CHECK_EQ(host_lstat(sh.root, "new.txt", &st), 0);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(st.st_mode & 07777, 0666);                     /* not re-moded */
	CHECK_EQ(c_walk(&c, ROOT_FID, 5, "hello.txt", NULL), 0);
	CHECK_EQ(c_lcreate(&c, 5, "x", P9_DOTL_RDWR, 0644, 0, NULL), ENOTDIR);
	CHECK_EQ(c_walk(&c, ROOT_FID, 6, "", NULL), 0);
	CHECK_EQ(c_lcreate(&c, 6, "setid", P9_DOTL_WRONLY, 02755, 0, NULL), 0);
	CHECK_EQ(host_lstat(sh.root, "setid", &st), 0);
	CHECK_EQ(st.st_mode & 07777, 02755);
	client_stop(&c);
	share_destroy(&sh);
}

static void getattr_reports_the_host_inode(void)
{
	struct share sh;
	struct client c;
	struct tattr a;
	struct stat st;

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	CHECK_EQ(c_getattr(&c, 2, &a), 0);
	CHECK_EQ(host_lstat(sh.root, "hello.txt", &st), 0);
	CHECK_EQ(a.valid & P9_GETATTR_BASIC, P9_GETATTR_BASIC);
	CHECK_EQ(a.mode, st.st_mode);
	CHECK_EQ(a.uid, st.st_uid);
	CHECK_EQ(a.gid, st.st_gid);
	CHECK_EQ(a.nlink, st.st_nlink);
	CHECK_EQ(a.size, st.st_size);
	CHECK_EQ(a.blocks, st.st_blocks);
	CHECK_EQ(a.mtime_sec, st.st_mtim.tv_sec);
	CHECK_EQ(a.mtime_nsec, st.st_mtim.tv_nsec);
	CHECK_EQ(a.qid.type, P9_QTFILE);
	CHECK_EQ(c_getattr(&c, ROOT_FID, &a), 0);
	CHECK(S_ISDIR(a.mode));
	CHECK_EQ(a.qid.type, P9_QTDIR);
	CHECK_EQ(c_getattr(&c, 77, &a), EBADF);
	client_stop(&c);
	share_destroy(&sh);
}

static void setattr_sets_mode_owner_size_and_times(void)
{
	struct share sh;
	struct client c;
	struct stat st;
	time_t now = time(NULL);

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_MODE, 0604, 0, 0, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(host_lstat(sh.root, "hello.txt", &st), 0);
	CHECK_EQ(st.st_mode & 07777, 0604);
	if (geteuid() == 0) {
		CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_UID | P9_SETATTR_GID, 0, 55, 66, 0, 0, 0, 0, 0), 0);
		CHECK_EQ(host_lstat(sh.root, "hello.txt", &st), 0);
		CHECK_EQ(st.st_uid, 55);
		CHECK_EQ(st.st_gid, 66);
		CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_GID, 0, 0, 77, 0, 0, 0, 0, 0), 0);
		CHECK_EQ(host_lstat(sh.root, "hello.txt", &st), 0);
		CHECK_EQ(st.st_uid, 55);
		CHECK_EQ(st.st_gid, 77);
	} else {
		/* Without privilege, giving a file away fails as on the host. */
		CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_UID, 0, 0, 0, 0, 0, 0, 0, 0), EPERM);
	}
	/* Size, through the path fid (never opened) and through an open fid. */
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_SIZE, 0, 0, 0, 5, 0, 0, 0, 0), 0);
	CHECK_EQ(host_lstat(sh.root, "hello.txt", &st), 0);
	CHECK_EQ(st.st_size, 5);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "hello.txt", NULL), 0);
	CHECK_EQ(c_lopen(&c, 3, P9_DOTL_WRONLY), 0);
	CHECK_EQ(c_setattr(&c, 3, P9_SETATTR_SIZE, 0, 0, 0, 4096, 0, 0, 0, 0), 0);
	CHECK_EQ(host_lstat(sh.root, "hello.txt", &st), 0);
	CHECK_EQ(st.st_size, 4096);
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "sub", NULL), 0);
	CHECK_EQ(c_setattr(&c, 4, P9_SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0), EISDIR);
	/* Times: explicit values with _SET, "now" without. */
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME |
			   P9_SETATTR_MTIME_SET, 0, 0, 0, 0, 1000000000, 5, 1200000000, 7), 0);
	CHECK_EQ(host_lstat(sh.root, "hello.txt", &st), 0);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);
	CHECK_EQ(st.st_atim.tv_nsec, 5);
	CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
	CHECK_EQ(st.st_mtim.tv_nsec, 7);
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_MTIME, 0, 0, 0, 0, 0, 0, 1, 1), 0);
	CHECK_EQ(host_lstat(sh.root, "hello.txt", &st), 0);
	CHECK(st.st_mtim.tv_sec >= now);
	CHECK_EQ(st.st_atim.tv_sec, 1000000000);                /* untouched */
	/* A guest cannot smuggle UTIME_NOW/UTIME_OMIT through nsec. */
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET, 0, 0, 0, 0, 0, 0, 5,
			   (1 << 30) - 2), EINVAL);
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_CTIME, 0, 0, 0, 0, 0, 0, 0, 0), 0);
	client_stop(&c);
	share_destroy(&sh);
}

static bool listed(const char *list, const char *name)
{
	char pat[300];

	snprintf(pat, sizeof(pat), "|%s|", name);
	return strstr(list, pat) != NULL;
}

static void readdir_lists_every_entry_across_small_reads(void)
{
	struct share sh;
	struct client c;
	static char list[65536];
	char name[200];
	int n;

	share_create(&sh);
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "file-%03d-%0120d", i, i);
		host_write(sh.root, name, "x");
	}
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "", NULL), 0);
	CHECK_EQ(c_readdir_all(&c, 2, 400, list, sizeof(list)), -EBADF);   /* not open */
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY), 0);
	n = c_readdir_all(&c, 2, 400, list, sizeof(list));
	CHECK_EQ(n, 60 + 4);                                    /* ., .., hello.txt, sub */
	CHECK(listed(list, "."));
	CHECK(listed(list, ".."));
	CHECK(listed(list, "hello.txt"));
	CHECK(listed(list, "sub"));
	for (int i = 0; i < 60; i++) {
		snprintf(name, sizeof(name), "file-%03d-%0120d", i, i);
		CHECK(listed(list, name));
	}
	/* Big reads give the same set; a count too small for one entry is EINVAL. */
	CHECK_EQ(c_readdir_all(&c, 2, 60000, list, sizeof(list)), 64);
	CHECK_EQ(c_readdir_all(&c, 2, 30, list, sizeof(list)), -EINVAL);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "hello.txt", NULL), 0);
	CHECK_EQ(c_lopen(&c, 3, P9_DOTL_RDONLY), 0);
	CHECK_EQ(c_readdir_all(&c, 3, 400, list, sizeof(list)), -ENOTDIR);
	client_stop(&c);
	share_destroy(&sh);
}

static void mkdir_mknod_symlink_and_readlink_create_on_the_host(void)
{
	struct share sh;
	struct client c;
	struct p9_qid q;
	struct stat st;
	char target[256];

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_mkdir(&c, ROOT_FID, "newdir", 0750, 0, &q), 0);
	CHECK_EQ(q.type, P9_QTDIR);
	CHECK_EQ(host_lstat(sh.root, "newdir", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0750);
	CHECK_EQ(c_mkdir(&c, ROOT_FID, "newdir", 0750, 0, NULL), EEXIST);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	CHECK_EQ(c_mkdir(&c, 2, "x", 0750, 0, NULL), ENOTDIR);
	/* mknod: fifo and regular file; devices when the host allows. */
	CHECK_EQ(c_mknod(&c, ROOT_FID, "fifo", S_IFIFO | 0640, 0, 0, 0), 0);
	CHECK_EQ(host_lstat(sh.root, "fifo", &st), 0);
	CHECK(S_ISFIFO(st.st_mode));
	CHECK_EQ(st.st_mode & 07777, 0640);
	CHECK_EQ(c_mknod(&c, ROOT_FID, "plain", S_IFREG | 0600, 0, 0, 0), 0);
	CHECK_EQ(host_lstat(sh.root, "plain", &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(c_mknod(&c, ROOT_FID, "weird", 0170000 | 0600, 0, 0, 0), EINVAL);
	{
		int ret = c_mknod(&c, ROOT_FID, "null", S_IFCHR | 0666, 1, 3, 0);

		if (ret == 0) {
			CHECK_EQ(host_lstat(sh.root, "null", &st), 0);
			CHECK(S_ISCHR(st.st_mode));
			CHECK_EQ(major(st.st_rdev), 1);
			CHECK_EQ(minor(st.st_rdev), 3);
			CHECK_EQ(c_walk(&c, ROOT_FID, 3, "null", NULL), 0);
			{
				struct tattr a;

				CHECK_EQ(c_getattr(&c, 3, &a), 0);
				CHECK_EQ(a.rdev, makedev(1, 3));
			}
		} else {
			CHECK(ret == EPERM || ret == EACCES);
		}
	}
	/* symlink: the target is stored as given and never resolved. */
	CHECK_EQ(c_symlink(&c, ROOT_FID, "ln", "../../etc/passwd", 0, &q), 0);
	CHECK_EQ(q.type, P9_QTSYMLINK);
	CHECK_EQ(readlink(strcat(strcpy(target, sh.root), "/ln"), target, sizeof(target)), 16);
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "ln", &q), 0);
	CHECK_EQ(q.type, P9_QTSYMLINK);
	CHECK_EQ(c_readlink(&c, 4, target, sizeof(target)), 0);
	CHECK(!strcmp(target, "../../etc/passwd"));
	CHECK_EQ(c_readlink(&c, 2, target, sizeof(target)), EINVAL);  /* not a link */
	CHECK_EQ(c_symlink(&c, ROOT_FID, "ln", "x", 0, NULL), EEXIST);
	CHECK_EQ(c_symlink(&c, ROOT_FID, "ln2", "", 0, NULL), EINVAL);
	CHECK(outside_untouched(&sh));
	client_stop(&c);
	share_destroy(&sh);
}

static void link_rename_unlink_and_remove(void)
{
	struct share sh;
	struct client c;
	struct stat st;
	struct tattr a;

	share_create(&sh);
	client_start(&c, &sh, false);
	/* link */
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "sub", NULL), 0);
	CHECK_EQ(c_link(&c, 3, 2, "hard"), 0);
	CHECK_EQ(host_lstat(sh.root, "sub/hard", &st), 0);
	CHECK_EQ(st.st_nlink, 2);
	CHECK_EQ(c_link(&c, 3, 2, "hard"), EEXIST);
	CHECK_EQ(c_link(&c, 2, 2, "x"), ENOTDIR);              /* dfid not a directory */
	CHECK_EQ(c_link(&c, ROOT_FID, 3, "dirlink"), EPERM);    /* no directory links */
	/* Trename moves the object and the fid follows it. */
	CHECK_EQ(c_rename(&c, 2, 3, "moved.txt"), 0);
	CHECK(!host_exists(sh.root, "hello.txt"));
	CHECK(host_exists(sh.root, "sub/moved.txt"));
	CHECK_EQ(c_rename(&c, 2, ROOT_FID, "back.txt"), 0);
	CHECK(host_exists(sh.root, "back.txt"));
	CHECK_EQ(c_rename(&c, ROOT_FID, 3, "root"), EBUSY);     /* the export root */
	/* renameat */
	CHECK_EQ(c_renameat(&c, ROOT_FID, "back.txt", 3, "again.txt"), 0);
	CHECK(host_exists(sh.root, "sub/again.txt"));
	CHECK_EQ(c_renameat(&c, ROOT_FID, "nope", 3, "x"), ENOENT);
	/* The fid of a file renamed behind its back still names it (by inode),
	 * and Tremove with a stale name refuses rather than hit another file. */
	CHECK_EQ(c_getattr(&c, 2, &a), 0);
	host_write(sh.root, "back.txt", "impostor");
	CHECK_EQ(c_remove(&c, 2), ENOENT);
	CHECK(host_exists(sh.root, "back.txt"));
	CHECK_EQ(c_clunk(&c, 2), EBADF);                        /* remove clunked it */
	/* unlinkat */
	CHECK_EQ(c_unlinkat(&c, 3, "again.txt", 0), 0);
	CHECK(!host_exists(sh.root, "sub/again.txt"));
	CHECK_EQ(c_unlinkat(&c, 3, "hard", 0), 0);
	CHECK_EQ(c_mkdir(&c, 3, "d", 0755, 0, NULL), 0);
	CHECK_EQ(c_unlinkat(&c, 3, "d", 0), EISDIR);
	CHECK_EQ(c_unlinkat(&c, ROOT_FID, "sub", P9_DOTL_AT_REMOVEDIR), ENOTEMPTY);
	CHECK_EQ(c_unlinkat(&c, 3, "d", P9_DOTL_AT_REMOVEDIR), 0);
	CHECK(!host_exists(sh.root, "sub/d"));
	CHECK_EQ(c_unlinkat(&c, 3, "inner.txt", 0x1234), EINVAL);
	/* Tremove of a file and of a directory. */
	CHECK_EQ(c_walk(&c, 3, 4, "inner.txt", NULL), 0);
	CHECK_EQ(c_remove(&c, 4), 0);
	CHECK(!host_exists(sh.root, "sub/inner.txt"));
	CHECK_EQ(c_remove(&c, 3), 0);
	CHECK(!host_exists(sh.root, "sub"));
	CHECK_EQ(c_walk(&c, ROOT_FID, 5, "", NULL), 0);
	CHECK_EQ(c_remove(&c, 5), EBUSY);                      /* never the root */
	CHECK_EQ(c_remove(&c, 5), EBADF);
	client_stop(&c);
	share_destroy(&sh);
}

static void statfs_reports_the_host_file_system(void)
{
	struct share sh;
	struct client c;
	struct statfs host;

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(statfs(sh.root, &host), 0);
	CHECK_EQ(c_fid_op(&c, P9_TSTATFS, ROOT_FID), 0);
	CHECK_EQ(c.resp_len, 7 + 4 + 4 + 5 * 8 + 8 + 4);
	CHECK_EQ(r_u32(&c), (uint32_t)host.f_type);
	CHECK_EQ(r_u32(&c), (uint32_t)host.f_bsize);
	CHECK_EQ(r_u64(&c), host.f_blocks);
	r_u64(&c), r_u64(&c);
	CHECK_EQ(r_u64(&c), host.f_files);
	r_u64(&c), r_u64(&c);
	CHECK_EQ(r_u32(&c), host.f_namelen);
	client_stop(&c);
	share_destroy(&sh);
}

static void locks_conflict_between_fids_and_never_block(void)
{
	struct share sh;
	struct client c;
	uint8_t status, type;
	uint64_t start, len;

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "hello.txt", NULL), 0);
	CHECK_EQ(c_lock(&c, 2, P9_LOCK_TYPE_WRLCK, 0, 10, &status), EBADF);   /* not open */
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDWR), 0);
	CHECK_EQ(c_lopen(&c, 3, P9_DOTL_RDWR), 0);
	CHECK_EQ(c_lock(&c, 2, P9_LOCK_TYPE_WRLCK, 0, 10, &status), 0);
	CHECK_EQ(status, P9_LOCK_SUCCESS);
	CHECK_EQ(c_lock(&c, 3, P9_LOCK_TYPE_WRLCK, 5, 10, &status), 0);
	CHECK_EQ(status, P9_LOCK_BLOCKED);
	CHECK_EQ(c_lock(&c, 3, P9_LOCK_TYPE_RDLCK, 10, 0, &status), 0);  /* 10..EOF is free */
	CHECK_EQ(status, P9_LOCK_SUCCESS);
	CHECK_EQ(c_getlock(&c, 3, P9_LOCK_TYPE_WRLCK, 0, 5, &type, &start, &len), 0);
	CHECK_EQ(type, P9_LOCK_TYPE_WRLCK);
	CHECK_EQ(start, 0);
	CHECK_EQ(len, 10);
	CHECK_EQ(c_getlock(&c, 2, P9_LOCK_TYPE_RDLCK, 0, 5, &type, &start, &len), 0);
	CHECK_EQ(type, P9_LOCK_TYPE_UNLCK);                     /* its own lock */
	CHECK_EQ(c_lock(&c, 2, P9_LOCK_TYPE_UNLCK, 0, 10, &status), 0);
	CHECK_EQ(c_lock(&c, 3, P9_LOCK_TYPE_WRLCK, 5, 5, &status), 0);
	CHECK_EQ(status, P9_LOCK_SUCCESS);
	CHECK_EQ(c_lock(&c, 3, 7, 0, 0, &status), EINVAL);
	/* Clunking the holder releases its locks. */
	CHECK_EQ(c_clunk(&c, 3), 0);
	CHECK_EQ(c_lock(&c, 2, P9_LOCK_TYPE_WRLCK, 0, 0, &status), 0);
	CHECK_EQ(status, P9_LOCK_SUCCESS);
	client_stop(&c);
	share_destroy(&sh);
}

static void xattrs_are_read_listed_set_and_removed(void)
{
	struct share sh;
	struct client c;
	char p[256], buf[256];
	uint64_t size;
	ssize_t n;

	share_create(&sh);
	client_start(&c, &sh, false);
	path_in(p, sizeof(p), sh.root, "hello.txt");
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	/* set: xattrcreate, write, clunk */
	CHECK_EQ(c_walk(&c, 2, 3, "", NULL), 0);
	CHECK_EQ(c_xattrcreate(&c, 3, "user.color", 4, 0), 0);
	CHECK_EQ(c_write(&c, 3, 0, "bl", 2), 2);
	CHECK_EQ(c_write(&c, 3, 2, "ue", 2), 2);
	CHECK_EQ(c_write(&c, 3, 4, "!", 1), -ENOSPC);
	CHECK_EQ(c_clunk(&c, 3), 0);
	n = getxattr(p, "user.color", buf, sizeof(buf));
	CHECK_EQ(n, 4);
	CHECK(!memcmp(buf, "blue", 4));
	/* get */
	CHECK_EQ(c_xattrwalk(&c, 2, 4, "user.color", &size), 0);
	CHECK_EQ(size, 4);
	CHECK_EQ(c_read(&c, 4, 0, 100, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "blue", 4));
	CHECK_EQ(c_read(&c, 4, 2, 100, buf, sizeof(buf)), 2);
	CHECK_EQ(c_read(&c, 4, 9, 100, buf, sizeof(buf)), 0);
	CHECK_EQ(c_getattr(&c, 4, &(struct tattr){ 0 }), EBADF);   /* not a file fid */
	CHECK_EQ(c_clunk(&c, 4), 0);
	CHECK_EQ(c_xattrwalk(&c, 2, 4, "user.missing", &size), ENODATA);
	CHECK_EQ(c_clunk(&c, 4), EBADF);
	/* list */
	CHECK_EQ(c_xattrwalk(&c, 2, 5, "", &size), 0);
	CHECK(size >= 11);
	n = c_read(&c, 5, 0, 1000, buf, sizeof(buf));
	CHECK_EQ(n, (long)size);
	CHECK(memmem(buf, (size_t)n, "user.color\0", 11) != NULL);
	CHECK_EQ(c_clunk(&c, 5), 0);
	/* A zero-length value with XATTR_REPLACE removes (Linux's removexattr). */
	CHECK_EQ(c_walk(&c, 2, 6, "", NULL), 0);
	CHECK_EQ(c_xattrcreate(&c, 6, "user.color", 0, XATTR_REPLACE), 0);
	CHECK_EQ(c_clunk(&c, 6), 0);
	CHECK_EQ(getxattr(p, "user.color", buf, sizeof(buf)), -1);
	CHECK_EQ(errno, ENODATA);
	/* An empty value without flags is set, not removed. */
	CHECK_EQ(c_walk(&c, 2, 6, "", NULL), 0);
	CHECK_EQ(c_xattrcreate(&c, 6, "user.empty", 0, 0), 0);
	CHECK_EQ(c_clunk(&c, 6), 0);
	CHECK_EQ(getxattr(p, "user.empty", buf, sizeof(buf)), 0);
	/* Errors: short value at clunk, size cap, flags, create on existing. */
	CHECK_EQ(c_walk(&c, 2, 7, "", NULL), 0);
	CHECK_EQ(c_xattrcreate(&c, 7, "user.short", 10, 0), 0);
	CHECK_EQ(c_write(&c, 7, 0, "abc", 3), 3);
	CHECK_EQ(c_clunk(&c, 7), EINVAL);
	CHECK_EQ(getxattr(p, "user.short", buf, sizeof(buf)), -1);
	CHECK_EQ(c_walk(&c, 2, 7, "", NULL), 0);
	CHECK_EQ(c_xattrcreate(&c, 7, "user.big", P9_XATTR_MAX + 1, 0), E2BIG);
	CHECK_EQ(c_xattrcreate(&c, 7, "user.f", 1, 0x10), EINVAL);
	CHECK_EQ(c_xattrcreate(&c, 7, "", 1, 0), EINVAL);
	CHECK_EQ(c_xattrcreate(&c, 7, "user.empty", 1, XATTR_CREATE), 0);
	CHECK_EQ(c_write(&c, 7, 0, "z", 1), 1);
	CHECK_EQ(c_clunk(&c, 7), EEXIST);
	/* An xattr fid cannot be opened or walked. */
	CHECK_EQ(c_xattrwalk(&c, 2, 8, "user.empty", &size), 0);
	CHECK_EQ(c_lopen(&c, 8, P9_DOTL_RDONLY), EBADF);
	CHECK_EQ(c_walk(&c, 8, 9, "", NULL), EBADF);
	CHECK_EQ(c_xattrwalk(&c, 2, 8, "user.empty", &size), EINVAL);   /* fid in use */
	client_stop(&c);
	share_destroy(&sh);
}

static void flush_is_answered_and_unknown_types_are_refused(void)
{
	struct share sh;
	struct client c;
	struct msg *m;

	share_create(&sh);
	client_start(&c, &sh, false);
	m = c_msg(&c, P9_TFLUSH);
	m_u16(m, 5);
	CHECK_EQ(c_rpc(&c, m), 0);
	CHECK_EQ(c.resp_len, 7);
	for (unsigned t = 0; t < 256; t++) {
		static const uint8_t known[] = {
			P9_TSTATFS, P9_TLOPEN, P9_TLCREATE, P9_TSYMLINK, P9_TMKNOD, P9_TRENAME,
			P9_TREADLINK, P9_TGETATTR, P9_TSETATTR, P9_TXATTRWALK, P9_TXATTRCREATE,
			P9_TREADDIR, P9_TFSYNC, P9_TLOCK, P9_TGETLOCK, P9_TLINK, P9_TMKDIR,
			P9_TRENAMEAT, P9_TUNLINKAT, P9_TVERSION, P9_TATTACH, P9_TFLUSH,
			P9_TWALK, P9_TREAD, P9_TWRITE, P9_TCLUNK, P9_TREMOVE,
		};

		if (memchr(known, (int)t, sizeof(known)))
			continue;
		m = c_msg(&c, (uint8_t)t);
		m_u32(m, ROOT_FID);
		CHECK_EQ(c_rpc(&c, m), EOPNOTSUPP);
	}
	/* Legacy 9P2000 messages are among them. */
	m = c_msg(&c, P9_TOPEN);
	m_u32(m, ROOT_FID);
	m_u8(m, 0);
	CHECK_EQ(c_rpc(&c, m), EOPNOTSUPP);
	CHECK_EQ(p9_server_fid_count(c.s), 1);
	client_stop(&c);
	share_destroy(&sh);
}

static void exports_come_and_go_while_running(void)
{
	struct share sh;
	struct client c;
	struct p9_export_config cfg = { .name = "late" };
	struct uvm_error err = { 0 };
	char p[256];

	share_create(&sh);
	client_start(&c, &sh, false);
	path_in(p, sizeof(p), sh.root, "sub");
	cfg.host_path = p;
	CHECK_EQ(p9_server_add_export(c.s, &cfg, &err), 0);
	CHECK_EQ(c_attach(&c, 20, "late"), 0);
	CHECK_EQ(c_walk(&c, 20, 21, "inner.txt", NULL), 0);
	CHECK_EQ(c_lopen(&c, 21, P9_DOTL_RDONLY), 0);
	CHECK_EQ(p9_server_remove_export(c.s, "late", &err), 0);
	CHECK_EQ(p9_server_remove_export(c.s, "late", &err), -ENOENT);
	CHECK_EQ(c_read(&c, 21, 0, 10, NULL, 0), -EIO);
	CHECK_EQ(c_walk(&c, 20, 22, "inner.txt", NULL), EIO);
	CHECK_EQ(c_getattr(&c, 20, &(struct tattr){ 0 }), EIO);
	CHECK_EQ(c_attach(&c, 23, "late"), ENOENT);
	CHECK_EQ(c_clunk(&c, 21), 0);
	CHECK_EQ(c_clunk(&c, 20), 0);
	/* The other export is unaffected; the name can be exported again. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 24, "hello.txt", NULL), 0);
	CHECK_EQ(p9_server_add_export(c.s, &cfg, &err), 0);
	CHECK_EQ(c_attach(&c, 25, "late"), 0);
	client_stop(&c);
	share_destroy(&sh);
}

/* A folder handed over as an open descriptor (a process in a jail cannot
 * see the caller's paths); a descriptor of a file is refused. */
static void an_export_can_come_from_an_open_folder(void)
{
	struct share sh;
	struct client c;
	struct uvm_error err = { 0 };
	char p[256];
	int dir, file;

	share_create(&sh);
	client_start(&c, &sh, false);
	path_in(p, sizeof(p), sh.root, "sub");
	dir = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	CHECK(dir >= 0);
	CHECK_EQ(p9_server_add_export(c.s, &(struct p9_export_config){ .name = "byfd", .dir_fd = dir },
				      &err), 0);
	close(dir);                  /* the server keeps its own */
	CHECK_EQ(c_attach(&c, 30, "byfd"), 0);
	CHECK_EQ(c_walk(&c, 30, 31, "inner.txt", NULL), 0);
	CHECK_EQ(c_walk(&c, 30, 32, "..", NULL), 0);
	CHECK_EQ(c_walk(&c, 32, 33, "inner.txt", NULL), 0);   /* ".." stays at its root */
	path_in(p, sizeof(p), sh.root, "hello.txt");
	file = open(p, O_RDONLY | O_CLOEXEC);
	CHECK(file >= 0);
	CHECK_EQ(p9_server_add_export(c.s, &(struct p9_export_config){ .name = "f", .dir_fd = file },
				      &err), -ENOTDIR);
	CHECK_EQ(p9_server_add_export(c.s, &(struct p9_export_config){ .name = "g", .dir_fd = -1 },
				      &err), -EINVAL);
	close(file);
	client_stop(&c);
	share_destroy(&sh);
}

static void read_only_export_refuses_every_change(void)
{
	struct share sh;
	struct client c;
	struct stat before, after;
	uint64_t size;
	uint8_t status;
	char buf[64];

	share_create(&sh);
	CHECK_EQ(host_lstat(sh.root, "hello.txt", &before), 0);
	client_start(&c, &sh, true);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "sub", NULL), 0);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_WRONLY), EROFS);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDWR), EROFS);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY | P9_DOTL_TRUNC), EROFS);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY | P9_DOTL_CREATE), EROFS);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY | P9_DOTL_APPEND), EROFS);
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "", NULL), 0);
	CHECK_EQ(c_lcreate(&c, 4, "n", P9_DOTL_RDWR, 0644, 0, NULL), EROFS);
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0), EROFS);
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0), EROFS);
	CHECK_EQ(c_mkdir(&c, ROOT_FID, "d", 0755, 0, NULL), EROFS);
	CHECK_EQ(c_mknod(&c, ROOT_FID, "f", S_IFIFO | 0644, 0, 0, 0), EROFS);
	CHECK_EQ(c_symlink(&c, ROOT_FID, "s", "t", 0, NULL), EROFS);
	CHECK_EQ(c_link(&c, 3, 2, "l"), EROFS);
	CHECK_EQ(c_rename(&c, 2, 3, "r"), EROFS);
	CHECK_EQ(c_renameat(&c, ROOT_FID, "hello.txt", 3, "r"), EROFS);
	CHECK_EQ(c_unlinkat(&c, ROOT_FID, "hello.txt", 0), EROFS);
	CHECK_EQ(c_walk(&c, ROOT_FID, 5, "hello.txt", NULL), 0);
	CHECK_EQ(c_remove(&c, 5), EROFS);
	CHECK_EQ(c_walk(&c, ROOT_FID, 6, "hello.txt", NULL), 0);
	CHECK_EQ(c_xattrcreate(&c, 6, "user.x", 1, 0), EROFS);
	/* Reading still works. */
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY), 0);
	CHECK_EQ(c_read(&c, 2, 0, sizeof(buf), buf, sizeof(buf)), 12);
	CHECK_EQ(c_write(&c, 2, 0, "x", 1), -EROFS);
	CHECK_EQ(c_lock(&c, 2, P9_LOCK_TYPE_RDLCK, 0, 0, &status), 0);
	CHECK_EQ(c_xattrwalk(&c, 2, 7, "", &size), 0);
	CHECK_EQ(c_lopen(&c, 3, P9_DOTL_RDONLY), 0);
	CHECK_EQ(c_fsync(&c, 2, 0), 0);
	CHECK_EQ(host_lstat(sh.root, "hello.txt", &after), 0);
	CHECK_EQ(after.st_mode, before.st_mode);
	CHECK_EQ(after.st_size, before.st_size);
	CHECK(host_exists(sh.root, "hello.txt"));
	CHECK(!host_exists(sh.root, "n") && !host_exists(sh.root, "d") && !host_exists(sh.root, "s"));
	client_stop(&c);
	share_destroy(&sh);
}

TEST_LIST(T(version_negotiates_msize_and_resets_the_session),
	  T(an_export_can_come_from_an_open_folder),
	  T(attach_picks_the_export_named_by_aname),
	  T(walk_gives_qids_partial_walks_and_clones),
	  T(lopen_read_write_follow_open_modes),
	  T(reads_are_capped_to_msize_and_the_response_buffer),
	  T(lcreate_makes_a_file_with_the_guests_mode_and_owner),
	  T(getattr_reports_the_host_inode),
	  T(setattr_sets_mode_owner_size_and_times),
	  T(readdir_lists_every_entry_across_small_reads),
	  T(mkdir_mknod_symlink_and_readlink_create_on_the_host),
	  T(link_rename_unlink_and_remove),
	  T(statfs_reports_the_host_file_system),
	  T(locks_conflict_between_fids_and_never_block),
	  T(xattrs_are_read_listed_set_and_removed),
	  T(flush_is_answered_and_unknown_types_are_refused),
	  T(exports_come_and_go_while_running),
	  T(read_only_export_refuses_every_change));
TEST_MAIN("9p")

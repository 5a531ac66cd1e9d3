/* The 9P server against a hostile guest's paths: "..", symlinks out, bad
 * names, swaps between walk and open, device nodes, cross-export moves; a
 * sibling "outside" secret is never read, changed or joined. */
#include <sys/xattr.h>

#include "9p-client.h"

static void dotdot_chains_stay_inside_the_export(void)
{
	struct share sh;
	struct client c;
	struct p9_qid root, qids[16];
	const char *names[17];
	static char list[4096];
	unsigned n;

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_attach_as(&c, 2, "share", P9_NONUNAME, &root), 0);
	for (int i = 0; i < 16; i++)
		names[i] = "..";
	names[16] = NULL;
	CHECK_EQ(c_walkv(&c, ROOT_FID, 3, names, &n, qids), 0);
	CHECK_EQ(n, 16);
	for (int i = 0; i < 16; i++)
		CHECK_EQ(qids[i].path, root.path);
	/* Past the top there is no "outside" to walk into. */
	names[0] = "..", names[1] = "..", names[2] = "outside", names[3] = "secret", names[4] = NULL;
	CHECK_EQ(c_walkv(&c, ROOT_FID, 4, names, &n, qids), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(c_clunk(&c, 4), EBADF);
	/* From a subdirectory, ".." goes up, then sticks at the root. */
	names[0] = "sub", names[1] = "..", names[2] = "..", names[3] = "..", names[4] = NULL;
	CHECK_EQ(c_walkv(&c, ROOT_FID, 5, names, &n, qids), 0);
	CHECK_EQ(n, 4);
	CHECK(qids[0].path != root.path);
	CHECK_EQ(qids[1].path, root.path);
	CHECK_EQ(qids[3].path, root.path);
	/* What ".." reached lists the share, not its parent. */
	CHECK_EQ(c_lopen(&c, 3, P9_DOTL_RDONLY), 0);
	CHECK(c_readdir_all(&c, 3, 8192, list, sizeof(list)) > 0);
	CHECK_STR_CONTAINS(list, "|hello.txt|");
	CHECK(!strstr(list, "|outside|") && !strstr(list, "|share|"));
	/* The root's ".." entry carries the root's own qid, not its parent's. */
	CHECK(outside_untouched(&sh));
	client_stop(&c);
	share_destroy(&sh);
}

static void dotdot_refuses_a_directory_the_host_moved_out(void)
{
	struct share sh;
	struct client c;
	char from[512], to[512];

	share_create(&sh);
	host_mkdir(sh.root, "a");
	host_mkdir(sh.root, "a/b");
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "a/b", NULL), 0);
	path_in(from, sizeof(from), sh.root, "a");
	path_in(to, sizeof(to), sh.base, "moved-out");
	CHECK_EQ(rename(from, to), 0);
	/* b's parent is now outside the share: ".." must not go there. */
	CHECK_EQ(c_walk(&c, 2, 3, "..", NULL), ENOENT);
	CHECK_EQ(c_walk(&c, 2, 3, "../..", NULL), ENOENT);
	CHECK_EQ(c_walk(&c, 2, 2, "..", NULL), ENOENT);
	CHECK(outside_untouched(&sh));
	client_stop(&c);
	share_destroy(&sh);
}

static void symlinks_pointing_out_are_shown_never_followed(void)
{
	struct share sh;
	struct client c;
	struct p9_qid q;
	struct tattr a;
	struct stat st;
	char target[256], secret[512], buf[64];
	uint64_t size;

	share_create(&sh);
	path_in(secret, sizeof(secret), sh.outside, "secret");
	CHECK_EQ(setxattr(secret, "user.p9", "hidden", 6, 0), 0);
	host_symlink(sh.root, "abs", "/etc");
	host_symlink(sh.root, "rel", "../outside");
	host_symlink(sh.root, "relfile", "../outside/secret");
	host_symlink(sh.root, "absfile", secret);
	host_symlink(sh.root, "loop", "loop");
	client_start(&c, &sh, false);

	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "abs", &q), 0);
	CHECK_EQ(q.type, P9_QTSYMLINK);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "abs/passwd", NULL), -2);     /* stops at the link */
	CHECK_EQ(c_walk(&c, 2, 3, "passwd", NULL), ENOTDIR);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "rel/secret", NULL), -2);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY), ELOOP);

	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "relfile", &q), 0);
	CHECK_EQ(q.type, P9_QTSYMLINK);
	CHECK_EQ(c_lopen(&c, 4, P9_DOTL_RDONLY), ELOOP);
	CHECK_EQ(c_lopen(&c, 4, P9_DOTL_RDWR | P9_DOTL_TRUNC), ELOOP);
	CHECK_EQ(c_read(&c, 4, 0, 64, buf, sizeof(buf)), -EBADF);
	CHECK_EQ(c_readlink(&c, 4, target, sizeof(target)), 0);
	CHECK(!strcmp(target, "../outside/secret"));
	CHECK_EQ(c_getattr(&c, 4, &a), 0);
	CHECK(S_ISLNK(a.mode));
	CHECK_EQ(a.size, strlen("../outside/secret"));
	/* Attribute changes reach the link, never its target. */
	CHECK(c_setattr(&c, 4, P9_SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0) == EINVAL);
	CHECK(c_setattr(&c, 4, P9_SETATTR_MODE, 0777, 0, 0, 0, 0, 0, 0, 0) != 0);
	if (geteuid() == 0) {
		CHECK_EQ(c_setattr(&c, 4, P9_SETATTR_UID, 0, 4242, 0, 0, 0, 0, 0, 0), 0);
		CHECK_EQ(host_lstat(sh.root, "relfile", &st), 0);
		CHECK_EQ(st.st_uid, 4242);
	}
	CHECK_EQ(c_setattr(&c, 4, P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET, 0, 0, 0, 0, 0, 0, 5, 0), 0);
	CHECK_EQ(stat(secret, &st), 0);
	CHECK(st.st_uid != 4242 && st.st_mtime != 5);
	/* Xattrs of the link, not of the secret. */
	CHECK(c_xattrwalk(&c, 4, 5, "user.p9", &size) != 0);
	CHECK_EQ(c_walk(&c, 4, 6, "", NULL), 0);
	CHECK_EQ(c_xattrcreate(&c, 6, "user.planted", 1, 0), 0);
	CHECK_EQ(c_write(&c, 6, 0, "x", 1), 1);
	CHECK(c_clunk(&c, 6) != 0);                                /* no user xattrs on links */
	CHECK_EQ(getxattr(secret, "user.planted", buf, sizeof(buf)), -1);
	/* A hard link of the link is a link, not the secret. */
	CHECK_EQ(c_link(&c, ROOT_FID, 4, "hard"), 0);
	CHECK_EQ(host_lstat(sh.root, "hard", &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	/* Creating over the name opens nothing outside, with or without TRUNC. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 7, "", NULL), 0);
	CHECK_EQ(c_lcreate(&c, 7, "relfile", P9_DOTL_RDWR | P9_DOTL_TRUNC, 0644, 0, NULL), EEXIST);
	CHECK_EQ(c_lcreate(&c, 7, "absfile", P9_DOTL_WRONLY, 0644, 0, NULL), EEXIST);
	CHECK_EQ(c_walk(&c, ROOT_FID, 8, "absfile", NULL), 0);
	CHECK_EQ(c_lopen(&c, 8, P9_DOTL_RDONLY), ELOOP);
	CHECK_EQ(c_walk(&c, ROOT_FID, 9, "loop", &q), 0);
	CHECK_EQ(q.type, P9_QTSYMLINK);
	CHECK_EQ(c_lopen(&c, 9, P9_DOTL_RDONLY), ELOOP);
	CHECK_EQ(c_walk(&c, ROOT_FID, 10, "loop/x", NULL), -2);
	/* trusted.* (overlayfs redirects, should the host mount the share) is
	 * never written for the guest. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 11, "sub", NULL), 0);
	CHECK_EQ(c_xattrcreate(&c, 11, "trusted.overlay.redirect", 4, 0), EPERM);
	CHECK_EQ(removexattr(secret, "user.p9"), 0);
	CHECK(outside_untouched(&sh));
	client_stop(&c);
	share_destroy(&sh);
}

static void names_with_slashes_dots_or_nuls_are_refused(void)
{
	struct share sh;
	struct client c;
	char longname[300];
	const char *bad[] = { "", ".", "a/b", "/etc", "sub/", "../outside" };
	struct msg *m;

	share_create(&sh);
	client_start(&c, &sh, false);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *names[2] = { bad[i], NULL };

		CHECK_EQ(c_walkv(&c, ROOT_FID, 2, names, NULL, NULL), EINVAL);
		CHECK_EQ(c_mkdir(&c, ROOT_FID, bad[i], 0755, 0, NULL), EINVAL);
		CHECK_EQ(c_symlink(&c, ROOT_FID, bad[i], "t", 0, NULL), EINVAL);
		CHECK_EQ(c_mknod(&c, ROOT_FID, bad[i], S_IFIFO | 0644, 0, 0, 0), EINVAL);
		CHECK_EQ(c_unlinkat(&c, ROOT_FID, bad[i], 0), EINVAL);
		CHECK_EQ(c_walk(&c, ROOT_FID, 3, "", NULL), 0);
		CHECK_EQ(c_lcreate(&c, 3, bad[i], P9_DOTL_RDWR, 0644, 0, NULL), EINVAL);
		CHECK_EQ(c_clunk(&c, 3), 0);
	}
	/* ".." is a walk step, never a name to create, remove or move onto. */
	CHECK_EQ(c_mkdir(&c, ROOT_FID, "..", 0755, 0, NULL), EINVAL);
	CHECK_EQ(c_unlinkat(&c, ROOT_FID, "..", P9_DOTL_AT_REMOVEDIR), EINVAL);
	CHECK_EQ(c_symlink(&c, ROOT_FID, "..", "t", 0, NULL), EINVAL);
	/* A NUL inside a name must not cut it short ("sub\0x" is not "sub"). */
	m = c_msg(&c, P9_TWALK);
	m_u32(m, ROOT_FID);
	m_u32(m, 2);
	m_u16(m, 1);
	m_strn(m, "sub\0/../..", 10);
	CHECK_EQ(c_rpc(&c, m), EINVAL);
	m = c_msg(&c, P9_TMKDIR);
	m_u32(m, ROOT_FID);
	m_strn(m, "x\0y", 3);
	m_u32(m, 0755);
	m_u32(m, 0);
	CHECK_EQ(c_rpc(&c, m), EINVAL);
	CHECK(!host_exists(sh.root, "x"));
	memset(longname, 'n', 256);
	longname[256] = '\0';
	CHECK_EQ(c_mkdir(&c, ROOT_FID, longname, 0755, 0, NULL), ENAMETOOLONG);
	longname[255] = '\0';
	CHECK_EQ(c_mkdir(&c, ROOT_FID, longname, 0755, 0, NULL), 0);
	CHECK(outside_untouched(&sh));
	client_stop(&c);
	share_destroy(&sh);
}

static void rename_and_link_cannot_place_anything_outside(void)
{
	struct share sh;
	struct client c;
	const char *bad[] = { "..", "../escaped", "../../outside/stolen", "x/y", "." };

	share_create(&sh);
	host_symlink(sh.root, "rel", "../outside");
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "hello.txt", NULL), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "sub", NULL), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(c_rename(&c, 2, ROOT_FID, bad[i]), EINVAL);
		CHECK_EQ(c_rename(&c, 2, 3, bad[i]), EINVAL);
		CHECK_EQ(c_renameat(&c, ROOT_FID, "hello.txt", 3, bad[i]), EINVAL);
		CHECK_EQ(c_renameat(&c, 3, bad[i], ROOT_FID, "pulled-in"), EINVAL);
		CHECK_EQ(c_link(&c, 3, 2, bad[i]), EINVAL);
		CHECK_EQ(c_link(&c, ROOT_FID, 2, bad[i]), EINVAL);
	}
	/* A symlink to the outside is not a directory to move into. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "rel", NULL), 0);
	CHECK_EQ(c_rename(&c, 2, 4, "stolen"), ENOTDIR);
	CHECK_EQ(c_renameat(&c, ROOT_FID, "hello.txt", 4, "stolen"), ENOTDIR);
	CHECK_EQ(c_renameat(&c, 4, "secret", ROOT_FID, "stolen"), ENOTDIR);
	CHECK_EQ(c_link(&c, 4, 2, "stolen"), ENOTDIR);
	CHECK_EQ(c_mkdir(&c, 4, "d", 0755, 0, NULL), ENOTDIR);
	CHECK_EQ(c_unlinkat(&c, 4, "secret", 0), ENOTDIR);
	CHECK(host_exists(sh.root, "hello.txt"));
	CHECK(!host_exists(sh.root, "pulled-in") && !host_exists(sh.root, "stolen"));
	CHECK(!host_exists(sh.base, "escaped"));
	CHECK(outside_untouched(&sh));
	client_stop(&c);
	share_destroy(&sh);
}

static void a_directory_swapped_for_a_symlink_before_open_stays_the_original(void)
{
	struct share sh;
	struct client c;
	static char list[8192];
	char from[512], to[512], buf[64];
	struct p9_qid q;

	share_create(&sh);
	host_mkdir(sh.root, "victim");
	host_write(sh.root, "victim/mine.txt", "mine");
	host_mkdir(sh.root, "victim2");
	host_write(sh.root, "doc.txt", "mine");
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "victim", NULL), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 3, "victim2", NULL), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 4, "doc.txt", NULL), 0);
	/* The host (or a racing guest) swaps each for a symlink out. */
	path_in(from, sizeof(from), sh.root, "victim");
	path_in(to, sizeof(to), sh.root, "victim.old");
	CHECK_EQ(rename(from, to), 0);
	host_symlink(sh.root, "victim", sh.outside);
	path_in(from, sizeof(from), sh.root, "victim2");
	path_in(to, sizeof(to), sh.root, "victim2.old");
	CHECK_EQ(rename(from, to), 0);
	host_symlink(sh.root, "victim2", "/etc");
	path_in(from, sizeof(from), sh.root, "doc.txt");
	path_in(to, sizeof(to), sh.root, "doc.old");
	CHECK_EQ(rename(from, to), 0);
	path_in(to, sizeof(to), sh.outside, "secret");
	host_symlink(sh.root, "doc.txt", to);
	/* The fids still hold what they walked to. */
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY), 0);
	CHECK(c_readdir_all(&c, 2, 8192, list, sizeof(list)) > 0);
	CHECK_STR_CONTAINS(list, "|mine.txt|");
	CHECK(!strstr(list, "|secret|"));
	CHECK_EQ(c_walk(&c, 2, 5, "secret", NULL), ENOENT);
	CHECK_EQ(c_lopen(&c, 3, P9_DOTL_RDONLY | P9_DOTL_DIRECTORY), 0);
	CHECK(c_readdir_all(&c, 3, 8192, list, sizeof(list)) > 0);
	CHECK(!strstr(list, "|passwd|"));
	CHECK_EQ(c_lopen(&c, 4, P9_DOTL_RDONLY), 0);
	CHECK_EQ(c_read(&c, 4, 0, 64, buf, sizeof(buf)), 4);
	CHECK(!memcmp(buf, "mine", 4));
	/* Creating through the old directory fid lands in the old directory. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 6, "victim.old", NULL), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 7, "", NULL), 0);
	CHECK_EQ(c_walk(&c, 7, 7, "victim.old", NULL), 0);
	CHECK_EQ(c_mkdir(&c, 6, "made", 0755, 0, NULL), 0);
	CHECK_EQ(c_lcreate(&c, 7, "planted", P9_DOTL_RDWR, 0644, 0, NULL), 0);
	CHECK(host_exists(sh.root, "victim.old/made"));
	CHECK(host_exists(sh.root, "victim.old/planted"));
	/* A fresh walk sees the symlink, and opening it fails. */
	CHECK_EQ(c_walk(&c, ROOT_FID, 8, "victim", &q), 0);
	CHECK_EQ(q.type, P9_QTSYMLINK);
	CHECK_EQ(c_lopen(&c, 8, P9_DOTL_RDONLY), ELOOP);
	CHECK_EQ(c_walk(&c, ROOT_FID, 9, "doc.txt", NULL), 0);
	CHECK_EQ(c_lopen(&c, 9, P9_DOTL_RDONLY), ELOOP);
	CHECK(outside_untouched(&sh));
	client_stop(&c);
	share_destroy(&sh);
}

static void creation_never_follows_a_dangling_symlink(void)
{
	struct share sh;
	struct client c;
	char target[512];

	share_create(&sh);
	path_in(target, sizeof(target), sh.outside, "newfile");
	host_symlink(sh.root, "dangling", target);
	client_start(&c, &sh, false);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "", NULL), 0);
	CHECK_EQ(c_lcreate(&c, 2, "dangling", P9_DOTL_RDWR, 0644, 0, NULL), EEXIST);
	CHECK_EQ(c_lcreate(&c, 2, "dangling", P9_DOTL_RDWR | P9_DOTL_EXCL, 0644, 0, NULL), EEXIST);
	CHECK_EQ(c_mkdir(&c, ROOT_FID, "dangling", 0755, 0, NULL), EEXIST);
	CHECK_EQ(c_mknod(&c, ROOT_FID, "dangling", S_IFREG | 0644, 0, 0, 0), EEXIST);
	CHECK_EQ(c_symlink(&c, ROOT_FID, "dangling", "x", 0, NULL), EEXIST);
	CHECK(!host_exists(sh.outside, "newfile"));
	CHECK(outside_untouched(&sh));
	client_stop(&c);
	share_destroy(&sh);
}

static void device_nodes_and_fifos_are_never_opened(void)
{
	struct share sh;
	struct client c;

	share_create(&sh);
	client_start(&c, &sh, false);
	CHECK_EQ(c_mknod(&c, ROOT_FID, "fifo", S_IFIFO | 0666, 0, 0, 0), 0);
	CHECK_EQ(c_walk(&c, ROOT_FID, 2, "fifo", NULL), 0);
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_RDONLY), EACCES);       /* and no hang */
	CHECK_EQ(c_lopen(&c, 2, P9_DOTL_WRONLY | P9_DOTL_NONBLOCK), EACCES);
	CHECK_EQ(c_setattr(&c, 2, P9_SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0), EINVAL);
	if (c_mknod(&c, ROOT_FID, "zero", S_IFCHR | 0666, 1, 5, 0) == 0) {
		CHECK_EQ(c_walk(&c, ROOT_FID, 3, "zero", NULL), 0);
		CHECK_EQ(c_lopen(&c, 3, P9_DOTL_RDONLY), EACCES);
		CHECK_EQ(c_read(&c, 3, 0, 16, NULL, 0), -EBADF);
		CHECK_EQ(c_setattr(&c, 3, P9_SETATTR_SIZE, 0, 0, 0, 0, 0, 0, 0, 0), EINVAL);
		/* lcreate over it does not open it either. */
		CHECK_EQ(c_walk(&c, ROOT_FID, 4, "", NULL), 0);
		CHECK_EQ(c_lcreate(&c, 4, "zero", P9_DOTL_RDONLY, 0644, 0, NULL), EEXIST);
	}
	client_stop(&c);
	share_destroy(&sh);
}

static void no_fid_may_cross_exports(void)
{
	struct share sh;
	struct client c;
	struct p9_export_config two = { .name = "two" }, ro = { .name = "ro", .read_only = true };
	struct uvm_error err = { 0 };
	char p2[256], pro[256];
	struct stat st;

	share_create(&sh);
	path_in(p2, sizeof(p2), sh.base, "share2");
	path_in(pro, sizeof(pro), sh.base, "share-ro");
	CHECK_EQ(mkdir(p2, 0755), 0);
	CHECK_EQ(mkdir(pro, 0755), 0);
	host_write(p2, "f", "two");
	host_write(pro, "locked", "read only");
	client_start(&c, &sh, false);
	two.host_path = p2;
	ro.host_path = pro;
	CHECK_EQ(p9_server_add_export(c.s, &two, &err), 0);
	CHECK_EQ(p9_server_add_export(c.s, &ro, &err), 0);
	CHECK_EQ(c_attach(&c, 20, "two"), 0);
	CHECK_EQ(c_attach(&c, 30, "ro"), 0);
	CHECK_EQ(c_walk(&c, 20, 21, "f", NULL), 0);
	CHECK_EQ(c_walk(&c, 30, 31, "locked", NULL), 0);
	CHECK_EQ(c_link(&c, ROOT_FID, 21, "f"), EXDEV);
	CHECK_EQ(c_rename(&c, 21, ROOT_FID, "f"), EXDEV);
	CHECK_EQ(c_renameat(&c, 20, "f", ROOT_FID, "f"), EXDEV);
	/* A read-only export's file cannot be linked somewhere writable. */
	CHECK_EQ(c_link(&c, ROOT_FID, 31, "unlocked"), EXDEV);
	CHECK_EQ(c_link(&c, 20, 31, "unlocked"), EXDEV);
	CHECK(!host_exists(sh.root, "unlocked") && !host_exists(p2, "unlocked"));
	CHECK_EQ(host_lstat(pro, "locked", &st), 0);
	CHECK_EQ(st.st_nlink, 1);
	client_stop(&c);
	share_destroy(&sh);
}

TEST_LIST(T(dotdot_chains_stay_inside_the_export),
	  T(dotdot_refuses_a_directory_the_host_moved_out),
	  T(symlinks_pointing_out_are_shown_never_followed),
	  T(names_with_slashes_dots_or_nuls_are_refused),
	  T(rename_and_link_cannot_place_anything_outside),
	  T(a_directory_swapped_for_a_symlink_before_open_stays_the_original),
	  T(creation_never_follows_a_dangling_symlink),
	  T(device_nodes_and_fifos_are_never_opened),
	  T(no_fid_may_cross_exports));
TEST_MAIN("9p-confine")

using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Convotron.Cli.Infrastructure;

/// <summary>
/// Whether two paths name the same file: on Linux the device and inode (so a symbolic link, a
/// hard link or another spelling of the path are all recognised), elsewhere the full path with
/// symbolic links resolved.
/// </summary>
internal static class FileIdentity
{
    /// <summary>True when <paramref name="first"/> and <paramref name="second"/> both exist and are the same file or directory.</summary>
    public static bool Same(string first, string second)
    {
        if (!Exists(first) || !Exists(second))
            return false;
        if (DeviceAndInode(first) is { } a && DeviceAndInode(second) is { } b)
            return a == b;
        return string.Equals(Canonical(first), Canonical(second), OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    /// <summary>The full path with every symbolic link along it resolved (the fallback where there is no inode to compare).</summary>
    internal static string Canonical(string path)
    {
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full);
        string resolvedParent = parent is null ? full : Canonical(parent);
        string joined = parent is null ? full : Path.Combine(resolvedParent, Path.GetFileName(full));
        try
        {
            FileSystemInfo info = Directory.Exists(joined) ? new DirectoryInfo(joined) : new FileInfo(joined);
            if (info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                return Canonical(target.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable link compares by its own path.
        }
        return joined;
    }

    /// <summary>(device, inode) by statx(2) (one layout on every Linux architecture); null where it is not available.</summary>
    private static (ulong Device, ulong Inode)? DeviceAndInode(string path)
    {
        if (!OperatingSystem.IsLinux() || s_noStatx)
            return null;
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        byte[] buffer = new byte[256];
        try
        {
            if (Statx(AtCurrentDirectory, name, 0, StatxInode, buffer) != 0)
                return null;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            s_noStatx = true;
            return null;
        }
        // struct statx: stx_ino at byte 32, stx_dev_major and stx_dev_minor at 136 and 140.
        ulong inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(32));
        ulong device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(136)) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(140));
        return (device, inode);
    }

    private static bool s_noStatx = !BitConverter.IsLittleEndian;

    private const int AtCurrentDirectory = -100;
    private const uint StatxInode = 0x100;

    [DllImport("libc", EntryPoint = "statx")]
    private static extern int Statx(int directory, byte[] path, int flags, uint mask, byte[] buffer);
}

# fish completion for burrow(1)
# Install: copy to ~/.config/fish/completions/burrow.fish (or
# /usr/share/fish/vendor_completions.d/burrow.fish).

# burrow run's (and create's) options that take a value (for finding where IMAGE or the container's COMMAND starts).
set -g __burrow_run_opts_arg --rootfs --name --entrypoint -e --env --env-file -w --workdir -h --hostname -u --user \
    -v --volume --tmpfs --network --net --cap-add --cap-drop --security-opt --ulimit --log-level

# Prints the command's path (run, container run, version) and the words after it;
# `container run` and `container create` are printed as `run` and `create`.
function __burrow_words
    set -l tokens (commandline -opc)
    set -e tokens[1]
    # global options before the command's name
    while set -q tokens[1]
        switch $tokens[1]
            case --log-level
                set -e tokens[1..2]
            case '-*'
                set -e tokens[1]
            case '*'
                break
        end
    end
    if string match -q -- container $tokens[1]; and contains -- "$tokens[2]" run create
        set -e tokens[1]
    end
    set -q tokens[1]; and printf '%s\n' $tokens
    return 0
end

# No command yet.
function __burrow_no_command
    set -l words (__burrow_words)
    not set -q words[1]
end

# The command being completed is $argv[1].
function __burrow_command
    set -l words (__burrow_words)
    test "$words[1]" = "$argv[1]"
end

# In `burrow run` or `burrow create`, before IMAGE (or with --rootfs the container's
# COMMAND): burrow's options are still allowed.
function __burrow_run_options
    set -l words (__burrow_words)
    contains -- "$words[1]" run create; or return 1
    set -e words[1]
    while set -q words[1]
        if contains -- $words[1] $__burrow_run_opts_arg
            set -e words[1..2]
        else if string match -q -- '-*' $words[1]
            set -e words[1]
        else
            return 1 # the container's COMMAND
        end
    end
    return 0
end

# In `burrow run`, after IMAGE or the container's COMMAND: the command's words (files).
function __burrow_run_arguments
    begin
        __burrow_command run; or __burrow_command create
    end; and not __burrow_run_options
end

# Where IMAGE may come: in the options of run or create, without --rootfs.
function __burrow_run_image
    __burrow_run_options; or return 1
    not string match -q -r -- '^--rootfs(=|$)' (__burrow_words)
end

# Image names and container names, from burrow itself.
function __burrow_images
    burrow images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null
end
function __burrow_containers
    burrow ps -a --format '{{.Names}}' 2>/dev/null
end

complete -c burrow -f

# commands
complete -c burrow -n __burrow_no_command -a run -d 'Run a command in a new container'
complete -c burrow -n __burrow_no_command -a create -d 'Create a new container without starting it'
complete -c burrow -n __burrow_no_command -a start -d 'Start one or more containers'
complete -c burrow -n __burrow_no_command -a ps -d 'List containers'
complete -c burrow -n __burrow_no_command -a rm -d 'Remove one or more containers'
complete -c burrow -n __burrow_no_command -a load -d 'Load images from a docker-archive or oci-archive'
complete -c burrow -n __burrow_no_command -a container -d 'Manage containers'
complete -c burrow -n __burrow_no_command -a image -d 'Manage images'
complete -c burrow -n __burrow_no_command -a save -d 'Save images to an archive'
complete -c burrow -n __burrow_no_command -a import -d 'Create an image from a tarball of a root filesystem'
complete -c burrow -n __burrow_no_command -a export -d "Export a container's filesystem as a tar archive"
complete -c burrow -n __burrow_no_command -a version -d 'Show the version of burrow'
complete -c burrow -n '__burrow_command container; and test (count (__burrow_words)) -eq 1' -a run -d 'Run a command in a new container'
complete -c burrow -n '__burrow_command container; and test (count (__burrow_words)) -eq 1' -a create -d 'Create a new container without starting it'
complete -c burrow -n '__burrow_command container; and test (count (__burrow_words)) -eq 1' -a start -d 'Start one or more containers'
complete -c burrow -n '__burrow_command container; and test (count (__burrow_words)) -eq 1' -a 'ls list ps' -d 'List containers'
complete -c burrow -n '__burrow_command container; and test (count (__burrow_words)) -eq 1' -a rm -d 'Remove one or more containers'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a load -d 'Load images from a docker-archive or oci-archive'
complete -c burrow -n '__burrow_command container; and test (count (__burrow_words)) -eq 1' -a export -d "Export a container's filesystem as a tar archive"
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a save -d 'Save images to an archive'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a import -d 'Create an image from a tarball of a root filesystem'
complete -c burrow -n __burrow_no_command -a images -d 'List images in local storage'
complete -c burrow -n __burrow_no_command -a inspect -d 'Show the configuration of containers or images'
complete -c burrow -n __burrow_no_command -a tag -d 'Add names to an image'
complete -c burrow -n __burrow_no_command -a untag -d 'Remove names from an image'
complete -c burrow -n __burrow_no_command -a rmi -d 'Remove images from local storage'
complete -c burrow -n __burrow_no_command -a history -d 'Show the history of an image'
complete -c burrow -n __burrow_no_command -a system -d 'Manage burrow'
complete -c burrow -n __burrow_no_command -a info -d 'Show information about the host and the store'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a 'ls list' -d 'List images'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a inspect -d 'Show the configuration of images'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a prune -d 'Remove unused images'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a tag -d 'Add names to an image'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a untag -d 'Remove names from an image'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a rm -d 'Remove images'
complete -c burrow -n '__burrow_command image; and test (count (__burrow_words)) -eq 1' -a history -d 'Show the history of an image'
complete -c burrow -n '__burrow_command system; and test (count (__burrow_words)) -eq 1' -a df -d 'Show the disk space used by images and containers'
complete -c burrow -n '__burrow_command system; and test (count (__burrow_words)) -eq 1' -a info -d 'Show information about the host and the store'

# global options
complete -c burrow -n '__burrow_no_command; or __burrow_command version; or __burrow_run_options' \
    -l log-level -x -a 'debug info warn error' -d 'Log messages at this level and above'
complete -c burrow -n __burrow_no_command -s h -l help -d 'Print the list of commands and exit'
complete -c burrow -n __burrow_no_command -s v -l version -d 'Print the version and exit'

# burrow run and burrow create (also container run, container create)
set -l run __burrow_run_options
complete -c burrow -n "$run; and __burrow_command run" -l rootfs -x -a '(__fish_complete_directories (commandline -ct | string replace -r -- "^--rootfs=" ""))' -d 'Use DIR as the root filesystem instead of an image'
complete -c burrow -n $run -l name -x -d 'Give the container a name'
complete -c burrow -n $run -l entrypoint -x -d "Override the image's entrypoint (a command, or a JSON array)"
complete -c burrow -n $run -s e -l env -x -a '(set -xn)' -d 'Set NAME=VALUE in the container (NAME alone: from the host)'
complete -c burrow -n $run -l env-file -r -F -d 'Read environment variables from a file'
complete -c burrow -n $run -s w -l workdir -x -d 'Working directory inside the container'
complete -c burrow -n $run -s h -l hostname -x -d 'Container host name'
complete -c burrow -n $run -s u -l user -x -d 'Run as USER[:GROUP] (names or ids)'
complete -c burrow -n $run -s v -l volume -r -F -d 'Bind mount HOST-PATH:CONTAINER-PATH[:ro|rw]'
complete -c burrow -n $run -l tmpfs -x -d 'Mount a tmpfs at PATH[:OPTIONS]'
complete -c burrow -n $run -l read-only -d "Mount the container's root filesystem read-only"
complete -c burrow -n $run -l network -l net -x -a 'none host' -d 'Network mode'
complete -c burrow -n $run -s i -l interactive -d 'Keep standard input open'
complete -c burrow -n $run -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c burrow -n $run -l init -d 'Run a minimal init as PID 1'
# src/system/capabilities.ts, and ALL
set -l caps ALL CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP \
    LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER \
    SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE \
    SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP \
    MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF \
    CHECKPOINT_RESTORE
complete -c burrow -n $run -l cap-add -x -a "$caps" -d 'Add a capability (or ALL)'
complete -c burrow -n $run -l cap-drop -x -a "$caps" -d 'Drop a capability (or ALL)'
complete -c burrow -n $run -l security-opt -x -a 'no-new-privileges no-new-privileges=true no-new-privileges=false' -d 'Security option'
complete -c burrow -n $run -l ulimit -x \
    -a 'cpu= fsize= data= stack= core= rss= nproc= nofile= memlock= as= locks= sigpending= msgqueue= nice= rtprio= rttime=' \
    -d 'Set a resource limit NAME=SOFT[:HARD]'
complete -c burrow -n $run -l rm -d 'Remove the container when it exits'
complete -c burrow -n __burrow_run_image -a '(__burrow_images)' -d Image
complete -c burrow -n __burrow_run_arguments -F

# burrow save, import, export (also image save, image import, container export)
function __burrow_is
    set -l words (__burrow_words)
    test "$words[1]" = "$argv[1]"; and return 0
    test "$words[1]" = "$argv[2]"; and test "$words[2]" = "$argv[1]"
end
set -l save '__burrow_is save image'
complete -c burrow -n $save -s o -l output -r -F -d 'Write to FILE (a directory for oci-dir)'
complete -c burrow -n $save -l format -x -a 'docker-archive oci-archive oci-dir' -d 'Archive format'
complete -c burrow -n $save -s m -l multi-image-archive -d 'Save every IMAGE named (docker-archive)'
complete -c burrow -n $save -s q -l quiet -d 'Print nothing but errors'
complete -c burrow -n $save -l log-level -x -a 'debug info warn error' -d 'Log messages at this level and above'
set -l import '__burrow_is import image'
complete -c burrow -n $import -s c -l change -x -a 'CMD ENTRYPOINT ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR' -d 'Apply a Dockerfile instruction'
complete -c burrow -n $import -s m -l message -x -d 'Comment of the history entry'
complete -c burrow -n $import -l arch -x -d 'Architecture of the image'
complete -c burrow -n $import -l os -x -d 'Operating system of the image'
complete -c burrow -n $import -l variant -x -d 'Architecture variant of the image'
complete -c burrow -n $import -s q -l quiet -d 'Print only the image id'
complete -c burrow -n $import -l log-level -x -a 'debug info warn error' -d 'Log messages at this level and above'
complete -c burrow -n $import -F
set -l export '__burrow_is export container'
complete -c burrow -n $export -s o -l output -r -F -d 'Write to FILE'
complete -c burrow -n $export -l log-level -x -a 'debug info warn error' -d 'Log messages at this level and above'

# burrow start, rm, ps, load (also container start, container rm, container ls/list/ps, image load)
set -l start '__burrow_is start container'
complete -c burrow -n $start -s a -l attach -d "Attach to the container's output and exit with its status"
complete -c burrow -n $start -s i -l interactive -d 'With -a: keep standard input open'
complete -c burrow -n $start -l log-level -x -a 'debug info warn error' -d 'Log messages at this level and above'
complete -c burrow -n $start -a '(__burrow_containers)' -d Container
set -l rm '__burrow_is rm container'
complete -c burrow -n $rm -s f -l force -d 'Stop running containers first'
complete -c burrow -n $rm -s t -l time -x -d 'Seconds to wait after the stop signal before SIGKILL'
complete -c burrow -n $rm -s a -l all -d 'Remove all containers'
complete -c burrow -n $rm -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c burrow -n $rm -l log-level -x -a 'debug info warn error' -d 'Log messages at this level and above'
complete -c burrow -n $rm -a '(__burrow_containers)' -d Container
set -l ps '__burrow_is ps container; or __burrow_is ls container; or __burrow_is list container'
complete -c burrow -n $ps -s a -l all -d 'Show all containers, not only running ones'
complete -c burrow -n $ps -s q -l quiet -d 'Print only the container ids'
complete -c burrow -n $ps -l no-trunc -d 'Do not shorten ids and commands'
complete -c burrow -n $ps -l format -x -a 'json table' -d 'Print with a Go template, or json'
complete -c burrow -n $ps -l log-level -x -a 'debug info warn error' -d 'Log messages at this level and above'
set -l load '__burrow_is load image'
complete -c burrow -n $load -s i -l input -r -F -d 'Read from FILE instead of standard input'
complete -c burrow -n $load -s q -l quiet -d 'Print nothing but errors'
complete -c burrow -n $load -l log-level -x -a 'debug info warn error' -d 'Log messages at this level and above'

# burrow images, image inspect, inspect, tag, untag, rmi, image prune, history, system df, info
# (and image ls/list/tag/untag/rm/history, system info)
function __burrow_sub
    set -l words (__burrow_words)
    test "$words[1]" = "$argv[1]"; and test "$words[2]" = "$argv[2]"
end
set -l levels 'debug info warn error'
set -l images '__burrow_is images; or __burrow_sub image ls; or __burrow_sub image list'
complete -c burrow -n $images -s a -l all -d 'Show all images, also intermediate ones'
complete -c burrow -n $images -s q -l quiet -d 'Print only the image ids'
complete -c burrow -n $images -l no-trunc -d 'Print full image ids'
complete -c burrow -n $images -l format -x -a 'json table' -d 'Print with a Go template, or json'
complete -c burrow -n $images -l log-level -x -a $levels -d 'Log messages at this level and above'
set -l iinspect '__burrow_sub image inspect'
complete -c burrow -n $iinspect -s f -l format -x -a 'json' -d 'Print with a Go template, or json'
complete -c burrow -n $iinspect -l log-level -x -a $levels -d 'Log messages at this level and above'
complete -c burrow -n $iinspect -a '(__burrow_images)' -d Image
set -l inspect '__burrow_is inspect'
complete -c burrow -n $inspect -s f -l format -x -a 'json' -d 'Print with a Go template, or json'
complete -c burrow -n $inspect -s t -l type -x -a 'image container all' -d 'Look only for this kind'
complete -c burrow -n $inspect -l log-level -x -a $levels -d 'Log messages at this level and above'
complete -c burrow -n $inspect -a '(__burrow_images) (__burrow_containers)'
set -l tag '__burrow_is tag image; or __burrow_is untag image'
complete -c burrow -n $tag -l log-level -x -a $levels -d 'Log messages at this level and above'
complete -c burrow -n $tag -a '(__burrow_images)' -d Image
set -l rmi '__burrow_is rmi; or __burrow_sub image rm'
complete -c burrow -n $rmi -s a -l all -d 'Remove all images'
complete -c burrow -n $rmi -s f -l force -d 'Also remove the containers using them'
complete -c burrow -n $rmi -s i -l ignore -d 'Ignore images that do not exist'
complete -c burrow -n $rmi -l log-level -x -a $levels -d 'Log messages at this level and above'
complete -c burrow -n $rmi -a '(__burrow_images)' -d Image
set -l prune '__burrow_sub image prune'
complete -c burrow -n $prune -s a -l all -d 'Remove every unused image, also named ones'
complete -c burrow -n $prune -s f -l force -d 'Do not ask (burrow never asks)'
complete -c burrow -n $prune -l log-level -x -a $levels -d 'Log messages at this level and above'
set -l history '__burrow_is history image'
complete -c burrow -n $history -l no-trunc -d 'Print full ids and commands'
complete -c burrow -n $history -s q -l quiet -d 'Print only the ids'
complete -c burrow -n $history -l format -x -a 'json table' -d 'Print with a Go template, or json'
complete -c burrow -n $history -l log-level -x -a $levels -d 'Log messages at this level and above'
complete -c burrow -n $history -a '(__burrow_images)' -d Image
set -l df '__burrow_sub system df'
complete -c burrow -n $df -l format -x -a 'json table' -d 'Print with a Go template, or json'
complete -c burrow -n $df -l log-level -x -a $levels -d 'Log messages at this level and above'
set -l info '__burrow_is info system'
complete -c burrow -n $info -s f -l format -x -a 'json' -d 'Print with a Go template, or json'
complete -c burrow -n $info -l log-level -x -a $levels -d 'Log messages at this level and above'
